// The callout server end to end over TCP: 200 concurrent OCP connections of
// 100 transactions each through the service group [content-filter,
// header-stamp], every answer checked. The content filter rejects every
// 7th message (it carries the pattern); every other message comes back
// unchanged with exactly the stamped header.

#include <doctest/doctest.h>

#include <atomic>

#include "opes/loadgen/answer_expectations.hpp"
#include "opes/loadgen/load_run.hpp"
#include "running_callout_server.hpp"

namespace opes::loadgen {

namespace {

constexpr std::string_view kPattern = "forbidden phrase";
constexpr std::string_view kReply = "550 5.7.1 Message content rejected by the integration test";
constexpr std::string_view kStamp = "X-Scanned-By: OPES-SMTP integration test";
constexpr std::string_view kContentFilterUri = "urn:opes-smtp:service:content-filter";
constexpr std::string_view kHeaderStampUri = "urn:opes-smtp:service:header-stamp";

std::string filter_and_stamp_config() {
  nlohmann::json config = {
      {"threads", 2},
      {"plugins",
       {{{"name", "content-filter"}, {"path", OPES_CONTENT_FILTER_SO}},
        {{"name", "header-stamp"}, {"path", OPES_HEADER_STAMP_SO}}}},
      {"services",
       {{{"name", "content-filter"},
         {"uri", kContentFilterUri},
         {"plugin", "content-filter"},
         {"options", {{"patterns", {kPattern}}, {"action", "reject"}, {"reply", kReply}}}},
        {{"name", "header-stamp"},
         {"uri", kHeaderStampUri},
         {"plugin", "header-stamp"},
         {"options", {{"name", "X-Scanned-By"}, {"value", "OPES-SMTP integration test"}}}}}},
      {"profiles", {{"receiver", {"content-filter", "header-stamp"}}}},
  };
  return config.dump();
}

/// Counts what the check saw, by kind, so the test can assert exact totals.
struct Tally {
  std::atomic<std::size_t> rejected{0};
  std::atomic<std::size_t> stamped{0};
  std::atomic<std::size_t> by_reference{0};  // unchanged content that came back by DUY
  std::atomic<std::size_t> as_is{0};         // ... by As-is DUM
};

LoadOptions load_options(std::uint16_t port, std::size_t connections, std::size_t transactions,
                         bool kept) {
  LoadOptions options;
  options.port = port;
  options.connections = connections;
  options.transactions_per_connection = transactions;
  options.session.services = {std::string(kContentFilterUri), std::string(kHeaderStampUri)};
  options.session.kept = kept;
  options.threads = 2;
  options.deadline = std::chrono::minutes(4);
  options.idle_timeout = std::chrono::seconds(30);
  return options;
}

/// Runs the load and checks every outcome; returns the stats and fills `tally`.
LoadStats run_checked(const LoadOptions& options, const MessageShape& shape, Tally& tally) {
  AnswerExpectations expected;
  expected.shape = shape;
  expected.match_reply = std::string(kReply);
  expected.header = std::string(kStamp);
  return run_load(
      options,
      [&shape](std::size_t connection, std::size_t sequence) {
        return make_input(shape, connection, sequence);
      },
      [&](const TransactionOutcome& outcome) -> std::optional<std::string> {
        if (auto difference = check_answers(expected, outcome)) return difference;
        const PartOutcome& rawdata = *outcome.find(ocp::smtp::AmPart::rawdata);
        if (rawdata.reply) {
          ++tally.rejected;
        } else {
          ++tally.stamped;
          if (rawdata.octets_by_reference == rawdata.original.size()) ++tally.by_reference;
          if (rawdata.octets_as_is == rawdata.original.size()) ++tally.as_is;
        }
        return std::nullopt;
      });
}

std::size_t matching_messages(const MessageShape& shape, std::size_t total) {
  std::size_t n = 0;
  for (std::size_t sequence = 0; sequence < total; ++sequence)
    n += carries_match(shape, sequence) ? 1 : 0;
  return n;
}

void require_all_ok(const LoadStats& stats) {
  for (const std::string& failure : stats.failures) MESSAGE(failure);
  CHECK(stats.connections_failed == 0);
  CHECK(stats.transactions_failed == 0);
  REQUIRE(stats.transactions_ok == stats.transactions_planned);
}

}  // namespace

TEST_CASE(
    "200 connections of 100 transactions through content-filter and header-stamp all get the right "
    "answer") {
  callout::testing::RunningCalloutServer server(filter_and_stamp_config(), 2);
  const MessageShape shape{.size = 4096, .match_text = std::string(kPattern), .match_every = 7};
  Tally tally;
  const LoadStats stats =
      run_checked(load_options(server.port(), 200, 100, /*kept=*/true), shape, tally);
  MESSAGE(format_figures(stats, shape.size));
  require_all_ok(stats);
  CHECK(stats.transactions_planned == 20000);
  const std::size_t matching = matching_messages(shape, 20000);
  CHECK(matching == 2858);
  CHECK(tally.rejected == matching);
  CHECK(tally.stamped == 20000 - matching);
  // With Kept announced, unchanged content may come back by DUY or As-is DUM.
  MESSAGE("unchanged by DUY: ", tally.by_reference.load(), ", by As-is DUM: ", tally.as_is.load());
  CHECK(tally.by_reference + tally.as_is == tally.stamped);
}

TEST_CASE("without Kept unchanged messages come back whole in As-is DUMs") {
  callout::testing::RunningCalloutServer server(filter_and_stamp_config(), 2);
  const MessageShape shape{.size = 70000, .match_text = std::string(kPattern), .match_every = 5};
  Tally tally;
  const LoadStats stats =
      run_checked(load_options(server.port(), 8, 10, /*kept=*/false), shape, tally);
  require_all_ok(stats);
  CHECK(tally.rejected == matching_messages(shape, 80));
  CHECK(tally.as_is == tally.stamped);
  CHECK(tally.by_reference == 0);
}

}  // namespace opes::loadgen
