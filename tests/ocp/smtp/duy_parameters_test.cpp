#include "ocp/smtp/duy_parameters.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

DuyParameters read_params(std::string_view named) {
  auto parameters = read_duy_parameters(
      decode_as<DataUseYours>("DUY 72 0 18\r\n" + std::string(named) + ";\r\n"));
  REQUIRE_MESSAGE(parameters, (parameters ? "" : parameters.error().describe()));
  return *parameters;
}

}  // namespace

TEST_CASE("smtp 3.3 Figure 7: a DUY carries Advice and Add-Header") {
  const auto parameters = read_params("Advice: Discard\r\nAdd-Header: \"13:X-Virus: none\"\r\n");
  CHECK(parameters.advice == Advice::discard);
  CHECK(parameters.add_header == std::vector<HeaderField>{{"X-Virus", " none"}});
  CHECK(parameters.dum_only_parameters.empty());
}

TEST_CASE("DUY parameters the figure does not define are noted for the sender rules, not read") {
  const auto parameters =
      read_params("SMTP-Error: broken\r\nAM-Part: RCPT\r\nAllow: ()\r\nX-Other: 1\r\n");
  CHECK(parameters.dum_only_parameters ==
        std::vector<std::string>{"SMTP-Error", "AM-Part", "Allow"});
  CHECK_FALSE(parameters.has_advice());
}

TEST_CASE("A-25: an unknown advice on a DUY is ignored but remembered") {
  const auto parameters = read_params("Advice: Later\r\n");
  CHECK_FALSE(parameters.advice);
  CHECK(parameters.unrecognised_advice == "Later");
}

TEST_CASE("DUY parameters of the wrong type name the message and the parameter") {
  auto parameters = read_duy_parameters(
      decode_as<DataUseYours>("DUY 72 0 18\r\nAdd-Header: \"4:X-A:\"\r\n;\r\n"));
  CHECK(parameters);
  auto broken =
      read_duy_parameters(decode_as<DataUseYours>("DUY 72 0 18\r\nAdd-Header: \"3:X-A\"\r\n;\r\n"));
  REQUIRE_FALSE(broken);
  CHECK(broken.error().describe() == "DUY: parameter 'Add-Header': header field 1: has no colon");
}

TEST_CASE("a DUY is written in strict RFC 4037 bytes with Advice then Add-Header") {
  DataUseYours duy;
  duy.xid = Xid{72};
  duy.org_offset = 0;
  duy.org_size = 18;
  duy.extensions.named.push_back({"Advice", Value::atom("Old"), {}});
  DuyParameters parameters;
  parameters.advice = Advice::quarantine;
  parameters.add_header = {{"X-Original-User", " paul@example.com"}};
  parameters.dum_only_parameters = {"SMTP-Error"};
  write_duy_parameters(parameters, duy);
  CHECK(encoded(duy) ==
        "DUY 72 0 18\r\n"
        "Advice: Quarantine\r\n"
        "Add-Header: \"33:X-Original-User: paul@example.com\"\r\n"
        ";\r\n");
}

}  // namespace ocp::smtp::test
