#include "ocp/smtp/parameter_rules.hpp"

#include <doctest/doctest.h>

#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/duy_parameters.hpp"
#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

DumParameters dum_params(std::string_view named) {
  auto parameters = read_dum_parameters(decode_as<DataUseMine>(
      named.empty() ? "DUM 1 0\r\n0:\r\n;\r\n"
                    : "DUM 1 0\r\n" + std::string(named) + "\r\n0:\r\n;\r\n"));
  REQUIRE_MESSAGE(parameters, (parameters ? "" : parameters.error().describe()));
  return *parameters;
}

DuyParameters duy_params(std::string_view named) {
  auto parameters = read_duy_parameters(decode_as<DataUseYours>(
      named.empty() ? "DUY 1 0 5;\r\n" : "DUY 1 0 5\r\n" + std::string(named) + ";\r\n"));
  REQUIRE(parameters);
  return *parameters;
}

ParameterRule rule_of(const Expected<void, ParameterViolation>& checked) {
  REQUIRE_FALSE(checked);
  return checked.error().rule;
}

SupportedParams allowing(bool smtp_error, bool advice, bool add_header) {
  return SupportedParams{smtp_error, advice, add_header, {}};
}

const SupportedParams kAll = allowing(true, true, true);

}  // namespace

TEST_CASE("the figures' DUMs keep the sender rules") {
  const auto param = [](std::string_view id, std::size_t index) {
    auto parameters =
        read_dum_parameters(decode_as<DataUseMine>(vector_message(id, index), legacy_am_id()));
    REQUIRE(parameters);
    return *parameters;
  };
  CHECK(check_processor_dum(param("D-F10", 0)));
  CHECK(check_callout_server_dum(param("D-F10", 1), *param("D-F10", 0).allow));
  CHECK(check_processor_dum(param("D-F11", 0)));
  CHECK(check_callout_server_dum(param("D-F11", 1), *param("D-F11", 0).allow));
  CHECK(check_processor_dum(param("D-F13-fixed", 0)));
  CHECK(check_processor_dum(param("D-F14", 2)));
  CHECK(check_processor_dum(param("D-F15", 0)));
}

TEST_CASE("smtp 3.3.1: every DUM of an SMTP transaction carries AM-Part, from either agent") {
  auto processor = check_processor_dum(dum_params("Allow: ()\r\n"));
  CHECK(rule_of(processor) == ParameterRule::am_part_missing);
  CHECK(processor.error().describe() ==
        "smtp §3.3.1: a DUM of an SMTP profile transaction must carry AM-Part");
  CHECK(rule_of(check_callout_server_dum(dum_params(""), kAll)) == ParameterRule::am_part_missing);
}

TEST_CASE("smtp 3.3.3: the processor must not send SMTP-Error") {
  auto checked = check_processor_dum(dum_params("AM-Part: RCPT\r\nSMTP-Error: \"8:550 Gone\"\r\n"));
  CHECK(rule_of(checked) == ParameterRule::smtp_error_from_processor);
  CHECK(checked.error().describe() == "smtp §3.3.3: the processor must not send SMTP-Error");
}

TEST_CASE("A-25: the processor must not send Advice, even advice nobody defines") {
  CHECK(rule_of(check_processor_dum(dum_params("AM-Part: RCPT\r\nAdvice: Discard\r\n"))) ==
        ParameterRule::advice_from_processor);
  CHECK(rule_of(check_processor_dum(dum_params("AM-Part: RCPT\r\nAdvice: Whatever\r\n"))) ==
        ParameterRule::advice_from_processor);
}

TEST_CASE("smtp 3.3.5: the processor must not send Add-Header") {
  CHECK(rule_of(check_processor_dum(dum_params("AM-Part: RCPT\r\nAdd-Header: \"6:X-A: 1\"\r\n"))) ==
        ParameterRule::add_header_from_processor);
}

TEST_CASE("smtp 3.3.2: the callout server must not send Allow, on a DUM or a DUY") {
  auto checked =
      check_callout_server_dum(dum_params("AM-Part: RCPT\r\nAllow: (SMTP-Error)\r\n"), kAll);
  CHECK(rule_of(checked) == ParameterRule::allow_from_callout_server);
  CHECK(checked.error().describe() == "smtp §3.3.2: the callout server must not send Allow");
  CHECK(rule_of(check_callout_server_duy(duy_params("Allow: ()\r\n"), kAll)) ==
        ParameterRule::allow_from_callout_server);
}

TEST_CASE("smtp 3.3.3: SMTP-Error is never sent in a DUY") {
  auto checked = check_callout_server_duy(duy_params("SMTP-Error: \"8:550 Gone\"\r\n"), kAll);
  CHECK(rule_of(checked) == ParameterRule::smtp_error_on_duy);
  CHECK(checked.error().describe() == "smtp §3.3.3: SMTP-Error must not be sent in a DUY");
}

TEST_CASE("smtp 3.3.3: SMTP-Error only when the processor's Allow listed it") {
  const auto parameters = dum_params("AM-Part: RCPT\r\nSMTP-Error: \"8:550 Gone\"\r\n");
  CHECK(check_callout_server_dum(parameters, allowing(true, false, false)));
  auto checked = check_callout_server_dum(parameters, allowing(false, true, true));
  CHECK(rule_of(checked) == ParameterRule::smtp_error_not_allowed);
  CHECK(rule_of(check_callout_server_dum(parameters, SupportedParams::none())) ==
        ParameterRule::smtp_error_not_allowed);
}

TEST_CASE("A-25: Advice only when the processor's Allow listed it, on a DUM or a DUY") {
  const auto dum = dum_params("AM-Part: RCPT\r\nAdvice: Quarantine\r\n");
  CHECK(check_callout_server_dum(dum, allowing(false, true, false)));
  CHECK(rule_of(check_callout_server_dum(dum, allowing(true, false, true))) ==
        ParameterRule::advice_not_allowed);
  const auto duy = duy_params("Advice: Quarantine\r\n");
  CHECK(check_callout_server_duy(duy, allowing(false, true, false)));
  CHECK(rule_of(check_callout_server_duy(duy, allowing(true, false, true))) ==
        ParameterRule::advice_not_allowed);
}

TEST_CASE("smtp 3.3.5: Add-Header only when the processor's Allow listed it, on a DUM or a DUY") {
  const auto dum = dum_params("AM-Part: RCPT\r\nAdd-Header: \"6:X-A: 1\"\r\n");
  CHECK(check_callout_server_dum(dum, allowing(false, false, true)));
  CHECK(rule_of(check_callout_server_dum(dum, allowing(true, true, false))) ==
        ParameterRule::add_header_not_allowed);
  const auto duy = duy_params("Add-Header: \"6:X-A: 1\"\r\n");
  CHECK(check_callout_server_duy(duy, allowing(false, false, true)));
  CHECK(rule_of(check_callout_server_duy(duy, SupportedParams::none())) ==
        ParameterRule::add_header_not_allowed);
}

TEST_CASE("a callout server DUM with AM-Part alone needs no Allow") {
  CHECK(check_callout_server_dum(dum_params("AM-Part: RCPT\r\n"), SupportedParams::none()));
  CHECK(check_callout_server_duy(duy_params(""), SupportedParams::none()));
}

}  // namespace ocp::smtp::test
