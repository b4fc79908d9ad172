#include "opes/processor/trace_entries.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace opes::processor::test {

namespace {

TraceEntries gateway(bool add_opes_via, std::vector<TraceParameter> parameters = {}) {
  auto made = TraceEntries::make({"http://gateway.example.com/opes", add_opes_via, parameters});
  REQUIRE(made);
  return *made;
}

const std::vector<TraceEntry> kFigure17Services{
    {"http://www.opes-services-4u.com/cat/?sid=123", {}},
    {"http://www.opes-services-4u.com/cat/?sid=124", {}},
    {"http://www.opes-services-4u.com/cat/?sid=125", {{"mode", "A"}}},
};

/// Every line of a field's text, CRLF excluded.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  for (;;) {
    const std::size_t crlf = text.find("\r\n", at);
    lines.push_back(text.substr(at, crlf == std::string::npos ? std::string::npos : crlf - at));
    if (crlf == std::string::npos) return lines;
    at = crlf + 2;
  }
}

}  // namespace

TEST_CASE("Figure 17: the second OPES system adds its OPES-System and OPES-Via entries") {
  auto fields = gateway(true).header_fields("33W9WIMC", kFigure17Services);
  REQUIRE(fields);
  REQUIRE(fields->size() == 2);
  CHECK((*fields)[0].text() == "OPES-System: http://gateway.example.com/opes?session=33W9WIMC");
  CHECK((*fields)[1].text() ==
        "OPES-Via: http://gateway.example.com/opes?session=33W9WIMC,\r\n"
        "          http://www.opes-services-4u.com/cat/?sid=123,\r\n"
        "          http://www.opes-services-4u.com/cat/?sid=124,\r\n"
        "          http://www.opes-services-4u.com/cat/?sid=125 ; mode=A");
  auto reread = ocp::smtp::parse_header_fields(ocp::smtp::join_header_fields(*fields));
  REQUIRE(reread);
  CHECK(*reread == *fields);
}

TEST_CASE("without OPES-Via configured only the OPES-System field is added") {
  auto fields = gateway(false).header_fields("33W9WIMC", kFigure17Services);
  REQUIRE(fields);
  REQUIRE(fields->size() == 1);
  CHECK((*fields)[0].text() == "OPES-System: http://gateway.example.com/opes?session=33W9WIMC");
}

TEST_CASE("the system entry's parameters appear in OPES-System and are omitted from OPES-Via") {
  auto fields = gateway(true, {{"mode", "A"}, {"note", "two words"}}).header_fields("S1", {});
  REQUIRE(fields);
  REQUIRE(fields->size() == 2);
  CHECK((*fields)[0].text() ==
        "OPES-System: http://gateway.example.com/opes?session=S1 ; mode=A ; note=\"two words\"");
  CHECK((*fields)[1].text() == "OPES-Via: http://gateway.example.com/opes?session=S1");
}

TEST_CASE("a system agent id that has a query gets the session after an ampersand") {
  auto made = TraceEntries::make({"http://gateway.example.com/opes?site=2", false, {}});
  REQUIRE(made);
  auto id = made->system_agent_id_for("33W9WIMC");
  REQUIRE(id);
  CHECK(*id == "http://gateway.example.com/opes?site=2&session=33W9WIMC");
}

TEST_CASE("session ids are 1 to 64 unreserved octets") {
  const TraceEntries entries = gateway(false);
  CHECK(entries.system_agent_id_for("a-B.c_d~9"));
  CHECK(entries.system_agent_id_for(std::string(64, 'x')));
  CHECK_FALSE(entries.system_agent_id_for(std::string(65, 'x')));
  CHECK_FALSE(entries.system_agent_id_for(""));
  auto spaced = entries.header_fields("a b", {});
  REQUIRE_FALSE(spaced);
  CHECK(spaced.error().reason ==
        "a session id is 1 to 64 octets of ALPHA, DIGIT, '-', '.', '_' and '~' (RFC 3986 §2.3)");
  CHECK_FALSE(entries.system_agent_id_for("a&b"));
}

TEST_CASE("a system agent id that is not an absolute URI is refused") {
  auto relative = TraceEntries::make({"gateway/opes", true, {}});
  REQUIRE_FALSE(relative);
  CHECK(relative.error().reason ==
        "system agent id: 'gateway/opes' is not an opes-agent-id (an absoluteURI without ',' or "
        "';', at most 512 octets)");
  CHECK_FALSE(TraceEntries::make({"http://g.example/a,b", true, {}}));
  CHECK_FALSE(TraceEntries::make({"http://g.example/opes", true, {{"bad name", "x"}}}));
  CHECK_FALSE(TraceEntries::make({"http://g.example/opes", true, {{"n", "bell\x07"}}}));
  CHECK_FALSE(TraceEntries::make({"http://g.example/opes", true, {{"n", std::string(201, 'v')}}}));
}

TEST_CASE("a service entry that is not an agent id fails the trace instead of corrupting it") {
  auto fields = gateway(true).header_fields("S1", {{"virus-scan", {}}});
  REQUIRE_FALSE(fields);
  CHECK(fields.error().reason ==
        "'virus-scan' is not an opes-agent-id (an absoluteURI without ',' or ';', at most 512 "
        "octets)");
}

TEST_CASE("short OPES-Via entries share lines of at most 78 octets") {
  std::vector<TraceEntry> services;
  for (char c = 'a'; c <= 'p'; ++c) services.push_back({std::string("urn:svc:") + c, {}});
  auto fields = gateway(true).header_fields("S1", services);
  REQUIRE(fields);
  CHECK((*fields)[1].text() ==
        "OPES-Via: http://gateway.example.com/opes?session=S1, urn:svc:a, urn:svc:b,\r\n"
        "          urn:svc:c, urn:svc:d, urn:svc:e, urn:svc:f, urn:svc:g, urn:svc:h,\r\n"
        "          urn:svc:i, urn:svc:j, urn:svc:k, urn:svc:l, urn:svc:m, urn:svc:n,\r\n"
        "          urn:svc:o, urn:svc:p");
  for (const std::string& line : lines_of((*fields)[1].text())) CHECK(line.size() <= 78);
}

TEST_CASE("an entry too long for the aligned indent is folded with one space") {
  const std::string seventy = "urn:" + std::string(66, 'x');
  auto fields = gateway(true).header_fields("S1", {{seventy, {}}});
  REQUIRE(fields);
  CHECK((*fields)[1].text() ==
        "OPES-Via: http://gateway.example.com/opes?session=S1,\r\n " + seventy);
}

TEST_CASE("an entry longer than 78 octets gets a line of its own and never passes 998") {
  const std::string longest = "urn:" + std::string(508, 'x');
  TraceEntry service{longest, {{"p", std::string(200, 'v')}, {"q", std::string(150, 'w')}}};
  auto fields = gateway(true).header_fields("S1", {service, {"urn:short", {}}});
  REQUIRE(fields);
  const std::vector<std::string> lines = lines_of((*fields)[1].text());
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == " " + service.text() + ",");
  CHECK(lines[2] == "          urn:short");
  for (const std::string& line : lines) CHECK(line.size() <= 998);
  service.parameters.push_back({"r", std::string(50, 'z')});
  auto too_long = gateway(true).header_fields("S1", {service});
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().reason.ends_with("is longer than 900 octets"));
}

}  // namespace opes::processor::test
