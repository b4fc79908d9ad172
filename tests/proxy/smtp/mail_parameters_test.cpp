#include "opes/smtp/mail_parameters.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

namespace {

PathArgument mail(std::string_view argument) {
  auto parsed = parse_mail_from(argument);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().reason));
  return *parsed;
}

std::string refusal(std::string_view argument) {
  auto parsed = parse_mail_from(argument);
  REQUIRE_FALSE(parsed);
  return parsed.error().reply().wire();
}

}  // namespace

TEST_CASE("RFC 1870 3: SIZE is 1 to 20 digits") {
  CHECK(declared_size(mail("FROM:<a@example.org> SIZE=10240")) == 10240u);
  CHECK(declared_size(mail("FROM:<a@example.org>")) == std::nullopt);
  CHECK(declared_size(mail("FROM:<a@example.org> SIZE=99999999999999999999")) == UINT64_MAX);
  CHECK(refusal("FROM:<a@example.org> SIZE") ==
        "555 5.5.4 SIZE needs a decimal value (RFC 1870)\r\n");
  CHECK(refusal("FROM:<a@example.org> SIZE=12k") ==
        "555 5.5.4 SIZE needs a decimal value (RFC 1870)\r\n");
  CHECK(refusal("FROM:<a@example.org> SIZE=123456789012345678901") ==
        "555 5.5.4 SIZE needs a decimal value (RFC 1870)\r\n");
}

TEST_CASE("RFC 6152 2: BODY is 7BIT or 8BITMIME in any case") {
  CHECK(body_type(mail("FROM:<a@example.org> BODY=8BITMIME")) == BodyType::eight_bit_mime);
  CHECK(body_type(mail("FROM:<a@example.org> body=7bit")) == BodyType::seven_bit);
  CHECK(body_type(mail("FROM:<a@example.org>")) == BodyType::unspecified);
  CHECK(refusal("FROM:<a@example.org> BODY=BINARYMIME") ==
        "555 5.5.4 BODY must be 7BIT or 8BITMIME\r\n");
}

TEST_CASE("RFC 6531 3.4: SMTPUTF8 takes no value") {
  CHECK(requests_smtputf8(mail("FROM:<a@example.org> smtputf8")));
  CHECK_FALSE(requests_smtputf8(mail("FROM:<a@example.org>")));
  CHECK(refusal("FROM:<a@example.org> SMTPUTF8=yes") == "555 5.5.4 SMTPUTF8 takes no value\r\n");
}

TEST_CASE("draft 4.2 and 5: opestrace is a flag and opesbypass lists agents or star") {
  CHECK(requests_opes_trace(mail("FROM:<a@example.org> opestrace")));
  CHECK(refusal("FROM:<a@example.org> opestrace=1") == "555 5.5.4 opestrace takes no value\r\n");
  CHECK(opes_bypass(mail("FROM:<a@example.org> opesbypass=*")) == std::vector<std::string>{"*"});
  CHECK(opes_bypass(mail("FROM:<a@example.org> OPESBYPASS=agent1,http://opes.example/x")) ==
        std::vector<std::string>{"agent1", "http://opes.example/x"});
  CHECK(opes_bypass(mail("FROM:<a@example.org>")) == std::nullopt);
  const std::string wrong = "555 5.5.4 OPESBYPASS takes \"*\" or a list of agent identifiers\r\n";
  CHECK(refusal("FROM:<a@example.org> opesbypass=a,,b") == wrong);
  CHECK(refusal("FROM:<a@example.org> opesbypass=*,a") == wrong);
  CHECK(refusal("FROM:<a@example.org> opesbypass") == "555 5.5.4 OPESBYPASS needs a value\r\n");
}

TEST_CASE("parameters the core does not know are left to the application") {
  auto argument = mail("FROM:<a@example.org> RET=HDRS ENVID=QQ314159 AUTH=<>");
  CHECK(argument.parameters.size() == 3);
  CHECK(check_mail_parameters(argument));
}

}  // namespace opes::smtp::test
