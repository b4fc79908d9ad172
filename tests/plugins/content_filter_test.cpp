#include <doctest/doctest.h>

#include <string>

#include "support/plugin_runner.hpp"

using namespace plugin_test;

namespace {

const std::string clean = "From: a@example.org\r\nSubject: lunch\r\n\r\nShall we meet at noon?\r\n";
const std::string spam = "From: a@example.org\r\nSubject: offer\r\n\r\nBuy cheap VIAGRA today!\r\n";

ServiceInstance filter(std::string_view config, InstanceOptions options = quiet_options()) {
  return instantiate(OPES_CONTENT_FILTER_SO, "content-filter", config, std::move(options));
}

PartVerdict verdict_for(const ServiceInstance& instance, std::vector<std::string> chunks) {
  return only_verdict(
      run(instance, {part("MAIL", "<a@example.org>"), {"RAWDATA", std::move(chunks)}}));
}

}  // namespace

TEST_CASE("content-filter: rejects a message whose body matches, with the configured reply") {
  const ServiceInstance instance =
      filter(R"({"patterns":["viagra"],"reply":"550 5.7.1 Message content rejected"})");
  const PartVerdict verdict = verdict_for(instance, {spam});
  CHECK(verdict.part == "RAWDATA");
  CHECK(verdict.action == Action::Reject);
  CHECK(verdict.smtp_reply == "550 5.7.1 Message content rejected");
  CHECK(verdict.content.empty());
}

TEST_CASE("content-filter: keeps a message that matches nothing") {
  const PartVerdict verdict = verdict_for(filter(R"({"patterns":["viagra"]})"), {clean});
  CHECK(verdict.action == Action::Keep);
  CHECK_FALSE(verdict.advice.has_value());
}

TEST_CASE("content-filter: finds a pattern split across two chunks") {
  const ServiceInstance instance = filter(R"({"patterns":["cheap viagra"]})");
  const std::size_t split = spam.find("VIAGRA") + 2;  // "...cheap VI" | "AGRA today..."
  CHECK(verdict_for(instance, {spam.substr(0, split), spam.substr(split)}).action ==
        Action::Reject);
}

TEST_CASE("content-filter: the verdict does not depend on where the chunks are cut") {
  const ServiceInstance instance = filter(R"({"patterns":["cheap viagra"]})");
  for (std::size_t split = 0; split <= spam.size(); ++split) {
    CAPTURE(split);
    CHECK(verdict_for(instance, {spam.substr(0, split), spam.substr(split)}).action ==
          Action::Reject);
  }
  for (std::size_t split = 0; split <= clean.size(); ++split) {
    CAPTURE(split);
    CHECK(verdict_for(instance, {clean.substr(0, split), clean.substr(split)}).action ==
          Action::Keep);
  }
  CHECK(verdict_for(instance, chunked(spam, 1)).action == Action::Reject);
}

TEST_CASE("content-filter: matches in any letter case unless told otherwise") {
  CHECK(verdict_for(filter(R"({"patterns":["ViAgRa"]})"), {spam}).action == Action::Reject);
  const ServiceInstance exact = filter(R"({"patterns":["viagra"],"case_insensitive":false})");
  CHECK(verdict_for(exact, {spam}).action == Action::Keep);
  CHECK(verdict_for(filter(R"({"patterns":["VIAGRA"],"case_insensitive":false})"), {spam}).action ==
        Action::Reject);
}

TEST_CASE(
    "content-filter: header patterns apply to the header section only, body patterns to the body") {
  const ServiceInstance headers = filter(R"({"header_patterns":["offer"]})");
  CHECK(verdict_for(headers, {spam}).action == Action::Reject);
  CHECK(verdict_for(headers, {"Subject: hi\r\n\r\nspecial offer\r\n"}).action == Action::Keep);

  const ServiceInstance body = filter(R"({"body_patterns":["offer"]})");
  CHECK(verdict_for(body, {spam}).action == Action::Keep);
  CHECK(verdict_for(body, {"Subject: hi\r\n\r\nspecial offer\r\n"}).action == Action::Reject);
}

TEST_CASE("content-filter: the end of the header section is found when CRLF CRLF is split") {
  const ServiceInstance body = filter(R"({"body_patterns":["Subject"]})");
  const std::string message = "Subject: x\r\n\r\nSubject line quoted in the body\r\n";
  for (std::size_t split = 0; split <= message.size(); ++split) {
    CAPTURE(split);
    CHECK(verdict_for(body, {message.substr(0, split), message.substr(split)}).action ==
          Action::Reject);
  }
  CHECK(verdict_for(body, {"Subject: x\r\n\r\nno match\r\n"}).action == Action::Keep);
  // A message without header fields starts with its empty line.
  CHECK(verdict_for(body, {"\r\nSubject in body"}).action == Action::Reject);
}

TEST_CASE("content-filter: overlapping patterns are all found (failure links)") {
  const ServiceInstance instance = filter(R"({"patterns":["abcd","bcx","she","hers"]})");
  CHECK(verdict_for(instance, {"\r\nxxabcxx"}).action ==
        Action::Reject);  // bcx inside a failed abcd
  CHECK(verdict_for(instance, {"\r\nushers"}).action == Action::Reject);  // she, hers
  CHECK(verdict_for(instance, {"\r\nabcabd hes"}).action == Action::Keep);
}

TEST_CASE("content-filter: can advise quarantine or discard instead of rejecting") {
  const PartVerdict quarantine =
      verdict_for(filter(R"({"patterns":["viagra"],"action":"quarantine"})"), {spam});
  CHECK(quarantine.action == Action::Keep);
  CHECK(quarantine.advice == Advice::Quarantine);
  CHECK(verdict_for(filter(R"({"patterns":["viagra"],"action":"discard"})"), {spam}).advice ==
        Advice::Discard);
}

TEST_CASE("content-filter: reports a match through the host's log") {
  LogLines logs;
  InstanceOptions options = quiet_options();
  options.log = logs.sink();
  (void)verdict_for(filter(R"({"patterns":["viagra"]})", options), {spam});
  REQUIRE(logs.lines.size() == 1);
  CHECK(logs.lines[0] == "pattern matched in the body");
}

TEST_CASE("content-filter: refuses configurations it cannot apply") {
  for (const char* config : {
           R"({})",
           R"({"patterns":[]})",
           R"({"patterns":[""]})",
           R"({"patterns":"viagra"})",
           R"({"patterns":[42]})",
           R"({"patterns":["x"],"reply":"250 OK"})",
           R"({"patterns":["x"],"reply":"550 two\r\n550 lines"})",
           R"({"patterns":["x"],"reply":"5"})",
           R"({"patterns":["x"],"action":"quarantine","reply":"550 x"})",
           R"({"patterns":["x"],"action":"bounce"})",
           R"({"patterns":["x"],"regex":"y"})",
       }) {
    CAPTURE(config);
    CHECK(config_error(OPES_CONTENT_FILTER_SO, "content-filter", config).code ==
          Errc::config_rejected);
  }
  const std::string long_pattern = R"({"patterns":[")" + std::string(1025, 'x') + "\"]}";
  CHECK(config_error(OPES_CONTENT_FILTER_SO, "content-filter", long_pattern).code ==
        Errc::config_rejected);
}
