#include <doctest/doctest.h>

#include <string>

#include "support/plugin_runner.hpp"

using namespace plugin_test;

namespace {

const char* const map_text =
    "# recipients moved to the new domain\n"
    "old@example.com      new@example.net\n"
    "\n"
    "   sales@Example.COM  <orders@example.net>   # brackets are optional\n"
    "a#b@example.com      hash@example.net\n"
    "CaSe@example.com     case@example.net\n";

std::string config_for(const TempFile& map, std::string_view extra = "") {
  return R"({"map_file":")" + map.path() + "\"" + std::string(extra) + "}";
}

// The RCPT verdict of a transaction with that one RCPT.
PartVerdict rcpt_verdict(const ServiceInstance& instance, std::string rcpt) {
  return only_verdict(
      run(instance, {part("MAIL", "<s@example.org>"), part("RCPT", std::move(rcpt))}));
}

}  // namespace

TEST_CASE("recipient-map: rewrites a mapped recipient and keeps its ESMTP parameters") {
  const TempFile map(map_text);
  const ServiceInstance instance =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  const PartVerdict verdict = rcpt_verdict(
      instance, "<old@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;old@example.com");
  CHECK(verdict.action == Action::Replace);
  CHECK(verdict.content == "<new@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;old@example.com");
  CHECK(rcpt_verdict(instance, "<old@example.com>").content == "<new@example.net>");
}

TEST_CASE("recipient-map: leaves unmapped recipients as they are") {
  const TempFile map(map_text);
  const ServiceInstance instance =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  const PartVerdict verdict = rcpt_verdict(instance, "<someone@example.com>");
  CHECK(verdict.action == Action::Keep);
  CHECK(rcpt_verdict(instance, "<old@example.com.evil>").action == Action::Keep);
  CHECK(rcpt_verdict(instance, "<Postmaster>").action == Action::Keep);
}

TEST_CASE("recipient-map: domains match in any case") {
  const TempFile map(map_text);
  const ServiceInstance instance =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  CHECK(rcpt_verdict(instance, "<old@EXAMPLE.Com>").content == "<new@example.net>");
  CHECK(rcpt_verdict(instance, "<sales@example.com>").content == "<orders@example.net>");
}

TEST_CASE("recipient-map: local parts match in any case unless configured case-sensitive") {
  const TempFile map(map_text);
  const ServiceInstance insensitive =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  CHECK(rcpt_verdict(insensitive, "<OLD@example.com>").content == "<new@example.net>");
  CHECK(rcpt_verdict(insensitive, "<case@example.com>").content == "<case@example.net>");

  const ServiceInstance sensitive = instantiate(
      OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map, R"(,"local_part_case":"sensitive")"));
  CHECK(rcpt_verdict(sensitive, "<OLD@example.com>").action == Action::Keep);
  CHECK(rcpt_verdict(sensitive, "<old@EXAMPLE.COM>").content == "<new@example.net>");
  CHECK(rcpt_verdict(sensitive, "<CaSe@example.com>").content == "<case@example.net>");
  CHECK(rcpt_verdict(sensitive, "<case@example.com>").action == Action::Keep);
}

TEST_CASE("recipient-map: answers each RCPT of a transaction on its own") {
  const TempFile map(map_text);
  const ServiceInstance instance =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  const TransactionResult result =
      run(instance, {part("MAIL", "<s@example.org>"), part("RCPT", "<old@example.com>"),
                     part("RCPT", "<other@example.com>"), part("RCPT", "<a#b@example.com>"),
                     part("RAWDATA", "Subject: x\r\n\r\n")});
  REQUIRE(result.outcome == Outcome::Completed);
  REQUIRE(result.verdicts.size() == 3);
  CHECK(result.verdicts[0].index == 1);
  CHECK(result.verdicts[0].content == "<new@example.net>");
  CHECK(result.verdicts[1].action == Action::Keep);
  CHECK(result.verdicts[2].content == "<hash@example.net>");
}

TEST_CASE("recipient-map: the verdict is ready as soon as the RCPT has been fed") {
  const TempFile map(map_text);
  const ServiceInstance instance =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  auto tx = instance.begin();
  REQUIRE(tx.has_value());
  const auto rcpt = tx->feed("RCPT", "<old@example.com>", true);
  REQUIRE(rcpt.has_value());
  REQUIRE(tx->verdict(*rcpt));
  CHECK(tx->verdict(*rcpt)->content == "<new@example.net>");
}

TEST_CASE("recipient-map: source routes are dropped and bare addresses get brackets") {
  const TempFile map(map_text);
  const ServiceInstance instance =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  CHECK(rcpt_verdict(instance, "<@relay.example,@hop.example:old@example.com>").content ==
        "<new@example.net>");
  CHECK(rcpt_verdict(instance, "old@example.com NOTIFY=NEVER").content ==
        "<new@example.net> NOTIFY=NEVER");
  // A quoted local part may hold '>': it does not end the path.
  CHECK(rcpt_verdict(instance, "<\"x>y\"@example.com>").action == Action::Keep);
  CHECK(rcpt_verdict(instance, "<unterminated@example.com").action == Action::Keep);
}

TEST_CASE("recipient-map: reads maps with CRLF line ends") {
  const TempFile map("old@example.com new@example.net\r\n# comment\r\n");
  const ServiceInstance instance =
      instantiate(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
  CHECK(rcpt_verdict(instance, "<old@example.com>").content == "<new@example.net>");
}

TEST_CASE("recipient-map: a bad map or configuration is refused with the file and line") {
  const auto error_for = [](std::string_view text) {
    const TempFile map(text);
    const Error error = config_error(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map));
    CHECK(error.code == Errc::config_rejected);
    CHECK(error.message.find(map.path()) != std::string::npos);
    return error.message;
  };
  CHECK(error_for("a@x b@y\nlonely@x\n").find(":2: expected") != std::string::npos);
  CHECK(error_for("a@x b@y c@z\n").find(":1:") != std::string::npos);
  CHECK(error_for("nodomain b@y\n").find("not an address") != std::string::npos);
  CHECK(error_for("a@x b@\n").find("not an address") != std::string::npos);
  CHECK(error_for("a@x b@y\n# c\nA@X c@z\n").find("already mapped on line 1") != std::string::npos);

  CHECK(config_error(OPES_RECIPIENT_MAP_SO, "recipient-map", R"({"map_file":"/nonexistent/map"})")
            .message.find("/nonexistent/map") != std::string::npos);
  const TempFile map(map_text);
  CHECK(config_error(OPES_RECIPIENT_MAP_SO, "recipient-map",
                     config_for(map, R"(,"local_part_case":"maybe")"))
            .code == Errc::config_rejected);
  CHECK(
      config_error(OPES_RECIPIENT_MAP_SO, "recipient-map", config_for(map, R"(,"extra":1)")).code ==
      Errc::config_rejected);
  CHECK(config_error(OPES_RECIPIENT_MAP_SO, "recipient-map", "{}").code == Errc::config_rejected);
}
