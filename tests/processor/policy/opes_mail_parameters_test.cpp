#include "opes/processor/opes_mail_parameters.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace opes::processor::test {

namespace {

/// The reply a refused parameter list gets, as sent on the wire.
std::string refusal(const std::vector<EsmtpParameter>& parameters) {
  auto read = read_opes_mail_parameters(parameters, false);
  REQUIRE_FALSE(read);
  return read.error().wire();
}

std::string refusal_of_bypass(std::string value) {
  return refusal({{"OPESBYPASS", std::move(value)}});
}

}  // namespace

TEST_CASE("the EHLO keyword and the parameter names are those of the draft") {
  CHECK(kOpesEhloKeyword == "OPES");
  CHECK(kOpesTraceParameter == "OPESTRACE");
  CHECK(kOpesBypassParameter == "OPESBYPASS");
}

TEST_CASE("opestrace and opesbypass are read and removed while the rest is forwarded in order") {
  const std::vector<EsmtpParameter> parameters{
      {"SIZE", "1000"},
      {"opestrace", std::nullopt},
      {"BODY", "8BITMIME"},
      {"OpesBypass", "http://callout.example.com/svc/?id+3Ddisclaimer,virus-scan"},
  };
  auto read = read_opes_mail_parameters(parameters, false);
  REQUIRE(read);
  CHECK(read->request.trace);
  REQUIRE(read->request.bypass);
  CHECK_FALSE(read->request.bypass->all);
  CHECK(read->request.bypass->entries ==
        std::vector<std::string>{"http://callout.example.com/svc/?id=disclaimer", "virus-scan"});
  CHECK(read->forward == std::vector<EsmtpParameter>{{"SIZE", "1000"}, {"BODY", "8BITMIME"}});
}

TEST_CASE("an upstream that advertises OPES gets the OPES parameters as received") {
  const std::vector<EsmtpParameter> parameters{
      {"opestrace", std::nullopt}, {"SIZE", "10"}, {"OPESBYPASS", "*"}};
  auto read = read_opes_mail_parameters(parameters, true);
  REQUIRE(read);
  CHECK(read->request.trace);
  REQUIRE(read->request.bypass);
  CHECK(read->request.bypass->all);
  CHECK(read->forward == parameters);
}

TEST_CASE("a MAIL command without OPES parameters asks for nothing") {
  auto read = read_opes_mail_parameters({{"SIZE", "10"}}, false);
  REQUIRE(read);
  CHECK(read->request == OpesRequest{});
  CHECK(read->forward == std::vector<EsmtpParameter>{{"SIZE", "10"}});
}

TEST_CASE("entries are split at commas and trimmed of blanks and empty elements are skipped") {
  auto request = read_bypass_value("+20virus-scan+09,,+20+20urn:opes:x+20,");
  REQUIRE(request);
  CHECK(request->entries == std::vector<std::string>{"virus-scan", "urn:opes:x"});
}

TEST_CASE("opestrace with a value is refused") {
  CHECK(refusal({{"OPESTRACE", "yes"}}) == "555 5.5.4 OPESTRACE takes no value\r\n");
  CHECK(refusal({{"OPESTRACE", ""}}) == "555 5.5.4 OPESTRACE takes no value\r\n");
}

TEST_CASE("repeated OPES parameters are refused") {
  CHECK(refusal({{"OPESTRACE", std::nullopt}, {"opestrace", std::nullopt}}) ==
        "555 5.5.4 OPESTRACE given more than once\r\n");
  CHECK(refusal({{"OPESBYPASS", "*"}, {"opesbypass", "a"}}) ==
        "555 5.5.4 OPESBYPASS given more than once\r\n");
}

TEST_CASE("opesbypass without a value or with an empty list is refused") {
  CHECK(refusal({{"OPESBYPASS", std::nullopt}}) == "555 5.5.4 OPESBYPASS needs a value\r\n");
  CHECK(refusal_of_bypass("") == "555 5.5.4 OPESBYPASS lists no entry\r\n");
  CHECK(refusal_of_bypass(",+20,") == "555 5.5.4 OPESBYPASS lists no entry\r\n");
}

TEST_CASE("an opesbypass value that is not xtext is refused with the offending octet") {
  CHECK(refusal_of_bypass("http://s.example/?id=1") ==
        "555 5.5.4 OPESBYPASS value is not xtext, octet 20: \"=\" must be sent as +3D\r\n");
  CHECK(refusal_of_bypass("a+2") ==
        "555 5.5.4 OPESBYPASS value is not xtext, octet 1: \"+\" needs two hexadecimal digits\r\n");
  CHECK(refusal_of_bypass("a+zz") ==
        "555 5.5.4 OPESBYPASS value is not xtext, octet 1: \"+\" needs two upper-case "
        "hexadecimal digits\r\n");
}

TEST_CASE("a star among other entries is refused") {
  CHECK(refusal_of_bypass("*,virus-scan") == "555 5.5.4 OPESBYPASS \"*\" must stand alone\r\n");
  CHECK(refusal_of_bypass("virus-scan,+20*") == "555 5.5.4 OPESBYPASS \"*\" must stand alone\r\n");
  auto star = read_bypass_value("+20*+20");
  REQUIRE(star);
  CHECK(star->all);
  CHECK(star->entries.empty());
}

TEST_CASE("an entry that is neither an agent id nor a service name is refused") {
  CHECK(refusal_of_bypass("virus-scan,bad+20name") ==
        "555 5.5.4 OPESBYPASS entry 2 is neither an agent id nor a service name\r\n");
  CHECK(refusal_of_bypass("http:") ==
        "555 5.5.4 OPESBYPASS entry 1 is neither an agent id nor a service name\r\n");
  CHECK(refusal_of_bypass("bell+07") ==
        "555 5.5.4 OPESBYPASS entry 1 is neither an agent id nor a service name\r\n");
}

TEST_CASE("opesbypass lists are bounded in octets, entries and entry length") {
  std::string many;
  for (int i = 0; i < 33; ++i) many += "s" + std::to_string(i) + ",";
  CHECK(refusal_of_bypass(many) == "555 5.5.4 OPESBYPASS lists more than 32 entries\r\n");
  CHECK(refusal_of_bypass("urn:" + std::string(509, 'x')) ==
        "555 5.5.4 OPESBYPASS entry is longer than 512 octets\r\n");
  CHECK(read_bypass_value("urn:" + std::string(508, 'x')));
  CHECK(refusal_of_bypass(std::string(2049, 'a')) ==
        "555 5.5.4 OPESBYPASS value is longer than 2048 octets\r\n");
}

TEST_CASE("every refusal is a valid single line SMTP reply") {
  auto reply = read_opes_mail_parameters({{"OPESBYPASS", "a+0"}}, false);
  REQUIRE_FALSE(reply);
  auto reread = ocp::smtp::parse_reply(reply.error().text());
  REQUIRE(reread);
  CHECK(reread->code == 555);
}

}  // namespace opes::processor::test
