// Every service gets the content parts it declared, whatever the connection
// negotiated (services/callout part_views.hpp; docs/ocp-conformance.md,
// "Callout server dispatch", "Every service gets its parts"): the pure
// rules first, then whole transactions through the dispatch, byte for byte.

#include <doctest/doctest.h>

#include "dispatch_harness.hpp"
#include "opes/callout/part_views.hpp"

namespace opes::callout {

namespace {

using ocp::smtp::AmPart;
using testing::DispatchHarness;

std::string quoted(std::string_view text) { return "\"" + std::to_string(text.size()) + ":" + std::string(text) + "\""; }
std::string dum(unsigned xid, unsigned offset, std::initializer_list<std::string_view> named, std::string_view data) {
  std::string message = "DUM " + std::to_string(xid) + " " + std::to_string(offset) + "\r\n";
  for (std::string_view parameter : named) message += std::string(parameter) + "\r\n";
  return message + "\r\n" + std::to_string(data.size()) + ":" + std::string(data) + "\r\n;\r\n";
}

constexpr std::string_view kAllowAll = "Allow: (SMTP-Error,Advice,Add-Header)";

plugin_host::ServiceInfo service_of(std::vector<std::string> adaptive, std::vector<std::string> informative = {}) {
  plugin_host::ServiceInfo info;
  info.adaptive_parts = std::move(adaptive);
  info.informative_parts = std::move(informative);
  return info;
}

ocp::smtp::SmtpProfile profile_of(std::vector<AmPart> adaptive, std::vector<AmPart> informative = {}) {
  ocp::smtp::SmtpProfile profile;
  profile.adaptive_parts = std::move(adaptive);
  profile.informative_parts = std::move(informative);
  return profile;
}

std::string split_config() {
  return std::string(R"({"listeners": [{"port": 0}],
    "plugins": [{"name": "stamp", "path": ")") + OPES_HEADER_STAMP_SO + R"("},
                {"name": "filter", "path": ")" + OPES_CONTENT_FILTER_SO + R"("},
                {"name": "throwing", "path": ")" + OPES_THROWING_SO + R"("},
                {"name": "split", "path": ")" + OPES_SPLIT_PARTS_SO + R"("}],
    "services": [
      {"name": "content-filter", "uri": "urn:opes-smtp:service:content-filter", "plugin": "filter",
       "options": {"patterns": ["forbidden words"], "reply": "550 5.7.1 Message content rejected"}},
      {"name": "header-stamp", "uri": "urn:opes-smtp:service:header-stamp", "plugin": "stamp",
       "options": {"name": "X-Raw", "value": "1"}},
      {"name": "header-stamp-headers", "uri": "urn:opes-smtp:service:header-stamp-headers", "plugin": "stamp",
       "service": "header-stamp-headers", "options": {"name": "X-Headers", "value": "1"}},
      {"name": "body-mark", "uri": "urn:test:body-mark", "plugin": "split"},
      {"name": "throwing", "uri": "urn:test:throwing", "plugin": "throwing"}],
    "profiles": {"receiver": ["content-filter", "header-stamp", "header-stamp-headers", "body-mark", "throwing"],
                 "sender": []}})";
}

constexpr std::string_view kFilter = "urn:opes-smtp:service:content-filter";
constexpr std::string_view kStamp = "urn:opes-smtp:service:header-stamp";
constexpr std::string_view kHeaders = "urn:opes-smtp:service:header-stamp-headers";
constexpr std::string_view kBodyMark = "urn:test:body-mark";
constexpr std::string_view kThrowing = "urn:test:throwing";

std::string offer(std::string_view adaptive) {
  return "NO ({" + quoted("http://iana.org/opes/ocp/SMTP/receiver") + "\r\nAdaptive-Parts: (" +
         std::string(adaptive) + ")\r\nInformative-Parts: (HELO)\r\n});\r\n";
}
std::string answer(std::string_view adaptive) {
  return "NR {" + quoted("http://iana.org/opes/ocp/SMTP/receiver") + "\r\nAdaptive-Parts: (" +
         std::string(adaptive) + ")\r\nInformative-Parts: (HELO)\r\n};\r\n";
}

/// CS, the receiver profile negotiated from an offer of `offered` adaptive
/// parts (answered with `chosen`), and SG 1 bound to `uris`.
DispatchHarness negotiated(std::string_view offered, std::string_view chosen,
                           std::initializer_list<std::string_view> uris) {
  static auto catalog = testing::catalog_from(split_config());
  DispatchHarness harness(catalog);
  std::string services;
  for (std::string_view uri : uris) services += (services.empty() ? "" : ",") + std::string("{") + quoted(uri) + "}";
  CHECK(harness.exchange("CS;\r\n" + offer(offered) + "SGC 1 (" + services + ");\r\n") == answer(chosen));
  return harness;
}

constexpr std::string_view kEverything = "MAIL,RCPT,RAWDATA,ALLHEADERS,BODY";
constexpr std::string_view kSplitOnly = "MAIL,RCPT,ALLHEADERS,BODY";

}  // namespace

TEST_CASE("part views: the header section ends just past the first empty line (RFC 5322 2.1)") {
  CHECK(header_section_size("A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore") == 14);
  CHECK(header_section_size("\r\nbody") == 2);
  CHECK(header_section_size("A: 1\r\nno empty line") == 19);
  CHECK(header_section_size("A: 1\n\nbare LF is no line end") == 28);
  CHECK(header_section_size("") == 0);
}

TEST_CASE("part views: RAWDATA is cut for header or body services, split parts joined for RAWDATA services") {
  const auto raw = service_of({"RAWDATA"});
  const auto headers = service_of({"ALLHEADERS"});
  const auto body = service_of({}, {"BODY"});
  const auto rcpt = service_of({"RCPT"});
  CHECK(content_view(raw, AmPart::rawdata) == ContentView::direct);
  CHECK(content_view(headers, AmPart::rawdata) == ContentView::split_rawdata);
  CHECK(content_view(body, AmPart::rawdata) == ContentView::split_rawdata);
  CHECK(content_view(raw, AmPart::allheaders) == ContentView::join_split);
  CHECK(content_view(raw, AmPart::body) == ContentView::join_split);
  CHECK(content_view(headers, AmPart::allheaders) == ContentView::direct);
  CHECK(content_view(headers, AmPart::body) == ContentView::direct);
  CHECK(content_view(rcpt, AmPart::rawdata) == ContentView::direct);
  CHECK_FALSE(declares_content(rcpt));
  CHECK(declares_content(body));
}

TEST_CASE("part views: a service is served when the profile carries its parts or what they derive from") {
  const auto raw = service_of({"RAWDATA", "MAIL"});
  const auto headers = service_of({"ALLHEADERS"});
  CHECK(check_served(raw, profile_of({AmPart::mail, AmPart::rawdata})));
  CHECK(check_served(raw, profile_of({AmPart::mail, AmPart::allheaders}, {AmPart::body})));
  CHECK(check_served(headers, profile_of({}, {AmPart::rawdata})));
  const auto alone = check_served(raw, profile_of({AmPart::allheaders}));
  REQUIRE_FALSE(alone);
  CHECK(alone.error() == "the negotiated profile carries none of RAWDATA,MAIL, which it declared");
  CHECK_FALSE(check_served(service_of({"SINGLEHEADERS"}), profile_of({AmPart::rawdata})));
  // An informative command part may be missing, as long as something is there.
  CHECK(check_served(service_of({"RCPT"}, {"HELO"}), profile_of({AmPart::rcpt})));
  const auto nothing = check_served(service_of({}, {"HELO"}), profile_of({AmPart::rcpt}));
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error() == "the negotiated profile carries none of the parts it declared");
}

TEST_CASE("part views: services whose parts exclude each other and cannot be derived are named") {
  const auto raw = service_of({"RAWDATA"});
  const auto headers = service_of({"ALLHEADERS"});
  const auto single = service_of({"SINGLEHEADERS"});
  const auto sections = service_of({"SECTIONS"});
  const auto body = service_of({"BODY"});
  CHECK(part_conflicts({{"a", &raw}, {"b", &headers}, {"c", &body}}, "profiles.receiver").empty());
  CHECK(part_conflicts({{"h", &headers}, {"b", &body}, {"s", &single}}, "x") ==
        std::vector<std::string>{"services 'h' (ALLHEADERS) and 's' (SINGLEHEADERS) cannot share the x profile: "
                                 "draft-ietf-opes-smtp-00 §3.2.1 lets a connection carry only one of ALLHEADERS "
                                 "and SINGLEHEADERS, and this server does not derive one from the other"});
  CHECK(part_conflicts({{"raw", &raw}, {"sec", &sections}}, "profiles.receiver").size() == 1);
  CHECK(part_conflicts({{"body", &body}, {"sec", &sections}}, "profiles.receiver").size() == 1);
}

TEST_CASE("part views: mixed needs ask for RAWDATA and its split parts, adaptive if any service adapts") {
  ocp::smtp::ServiceNeeds needs;
  needs.adaptive = {AmPart::mail, AmPart::allheaders};
  needs.informative = {AmPart::rawdata};
  widen_content_needs(needs);
  CHECK(needs.adaptive == std::vector<AmPart>{AmPart::mail, AmPart::rawdata, AmPart::allheaders, AmPart::body});
  CHECK(needs.informative.empty());
  ocp::smtp::ServiceNeeds unmixed;
  unmixed.adaptive = {AmPart::allheaders, AmPart::body};
  widen_content_needs(unmixed);
  CHECK(unmixed.adaptive == std::vector<AmPart>{AmPart::allheaders, AmPart::body});
}

TEST_CASE("part views: a catalog mixing SINGLEHEADERS with RAWDATA services is refused, naming both") {
  const std::string json = std::string(R"({"listeners": [{"port": 0}],
    "plugins": [{"name": "filter", "path": ")") + OPES_CONTENT_FILTER_SO + R"("},
                {"name": "split", "path": ")" + OPES_SPLIT_PARTS_SO + R"("}],
    "services": [
      {"name": "content-filter", "uri": "urn:a", "plugin": "filter", "options": {"patterns": ["x"]}},
      {"name": "subject", "uri": "urn:b", "plugin": "split", "service": "subject-only"}],
    "profiles": {"receiver": ["content-filter", "subject"], "sender": ["subject"]}})";
  auto config = parse_config(json);
  REQUIRE(config);
  const auto built = ServiceCatalog::build(*config);
  CHECK(built.problems.empty());
  REQUIRE(built.refusals.size() == 1);
  CHECK(built.refusals[0].starts_with("services 'content-filter' (RAWDATA) and 'subject' (SINGLEHEADERS) cannot "
                                      "share the profiles.receiver profile"));
}

TEST_CASE("part views: negotiated RAWDATA, an ALLHEADERS service after a RAWDATA one still stamps the message") {
  auto h = negotiated(kEverything, "MAIL,RCPT,RAWDATA", {kFilter, kHeaders});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" +
                   dum(1, 0, {"AM-Part: RAWDATA", kAllowAll}, "Subject: hi\r\n\r\nclean\r\n") + "AME 1;\r\n") ==
        "AMS 1;\r\nDUM 1 0\r\nAs-is: 0\r\nAM-Part: RAWDATA\r\nAdd-Header: " + quoted("X-Headers: 1") +
            "\r\n\r\n22:Subject: hi\r\n\r\nclean\r\n\r\n;\r\nAME 1;\r\nTE 1;\r\n");
  // And first in the group, before the RAWDATA service, which still rejects.
  auto first = negotiated(kEverything, "MAIL,RCPT,RAWDATA", {kHeaders, kFilter});
  CHECK(first.exchange("TS 1 1;\r\nAMS 1;\r\n" +
                       dum(1, 0, {"AM-Part: RAWDATA", kAllowAll}, "Subject: hi\r\n\r\nforbidden words\r\n") +
                       "AME 1;\r\n") ==
        "AMS 1;\r\nDUM 1 0\r\nAM-Part: RAWDATA\r\nSMTP-Error: " + quoted("550 5.7.1 Message content rejected") +
            "\r\nAdd-Header: " + quoted("X-Headers: 1") +
            "\r\nAM-OPT: ({service content-filter})\r\n\r\n0:\r\n;\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("part views: negotiated RAWDATA, a BODY service's new body goes back inside the RAWDATA answer") {
  auto h = negotiated(kEverything, "MAIL,RCPT,RAWDATA", {kBodyMark, kStamp});
  const std::string changed = "Subject: hi\r\n\r\n[body of 7 octets]\r\nclean\r\n";
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" +
                   dum(1, 0, {"AM-Part: RAWDATA", kAllowAll}, "Subject: hi\r\n\r\nclean\r\n") + "AME 1;\r\n") ==
        "AMS 1;\r\nDUM 1 0\r\nAM-Part: RAWDATA\r\nAdd-Header: " + quoted("X-Body-Seen: 7\r\nX-Raw: 1") + "\r\n\r\n" +
            std::to_string(changed.size()) + ":" + changed + "\r\n;\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("part views: negotiated ALLHEADERS and BODY, a RAWDATA service sees the whole message") {
  SUBCASE("a rejection goes on the ALLHEADERS answer, the BODY is echoed") {
    auto h = negotiated(kSplitOnly, "MAIL,RCPT,ALLHEADERS,BODY", {kFilter});
    CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: ALLHEADERS", kAllowAll}, "Subject: hi\r\n\r\n") +
                     dum(1, 15, {"AM-Part: BODY", kAllowAll}, "forbidden words\r\n") + "AME 1;\r\n") ==
          "AMS 1;\r\nDUM 1 0\r\nAM-Part: ALLHEADERS\r\nSMTP-Error: " +
              quoted("550 5.7.1 Message content rejected") +
              "\r\nAM-OPT: ({service content-filter})\r\n\r\n0:\r\n;\r\nDUM 1 0\r\nAs-is: 15\r\nAM-Part: BODY\r\n\r\n17:forbidden words\r\n\r\n;\r\n"
              "AME 1;\r\nTE 1;\r\n");
  }
  SUBCASE("header fields go on the ALLHEADERS answer") {
    auto h = negotiated(kSplitOnly, "MAIL,RCPT,ALLHEADERS,BODY", {kStamp, kHeaders});
    CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: ALLHEADERS", kAllowAll}, "Subject: hi\r\n\r\n") +
                     dum(1, 15, {"AM-Part: BODY", kAllowAll}, "clean\r\n") + "AME 1;\r\n") ==
          "AMS 1;\r\nDUM 1 0\r\nAs-is: 0\r\nAM-Part: ALLHEADERS\r\nAdd-Header: " + quoted("X-Raw: 1\r\nX-Headers: 1") +
              "\r\n\r\n15:Subject: hi\r\n\r\n\r\n;\r\nDUM 1 15\r\nAs-is: 15\r\nAM-Part: BODY\r\n\r\n7:clean\r\n\r\n;\r\n"
              "AME 1;\r\nTE 1;\r\n");
  }
  SUBCASE("a replaced message is cut back at its header section: only the changed half is sent as new") {
    auto h = negotiated(kSplitOnly, "MAIL,RCPT,ALLHEADERS,BODY", {kThrowing});
    CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" +
                     dum(1, 0, {"AM-Part: ALLHEADERS", kAllowAll}, "replace:A: 1\r\n\r\n") +
                     dum(1, 16, {"AM-Part: BODY", kAllowAll}, "body\r\n") + "AME 1;\r\n") ==
          "AMS 1;\r\nDUM 1 0\r\nAM-Part: ALLHEADERS\r\n\r\n8:A: 1\r\n\r\n\r\n;\r\n"
          "DUM 1 8\r\nAs-is: 16\r\nAM-Part: BODY\r\n\r\n6:body\r\n\r\n;\r\nAME 1;\r\nTE 1;\r\n");
  }
}

TEST_CASE("part views: a service the negotiated profile cannot serve refuses the transaction, naming it") {
  auto h = negotiated("MAIL,RCPT,ALLHEADERS", "MAIL,RCPT,ALLHEADERS", {kHeaders, kFilter});
  CHECK(h.exchange("TS 1 1;\r\n") ==
        "TE 1 {400 " +
            quoted("service content-filter: the negotiated profile carries none of RAWDATA, which it declared") +
            "};\r\n");
}

TEST_CASE("part views: a service that declared content and got none fails the transaction at the end") {
  // The profile carries ALLHEADERS, but this processor sends only BODY.
  auto h = negotiated(kSplitOnly, "MAIL,RCPT,ALLHEADERS,BODY", {kHeaders});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: BODY", kAllowAll}, "body\r\n") + "AME 1;\r\n") ==
        "AMS 1;\r\nTE 1 {400 " +
            quoted("service header-stamp-headers: received none of the content parts it declared; the message came "
                   "as BODY") +
            "};\r\n");
}

}  // namespace opes::callout
