// A service that throws fails only its own transaction: the callout server
// ends it with TE 400 and the next transaction on the same connection is
// served normally.

#include <doctest/doctest.h>

#include <mutex>

#include "opes/loadgen/answer_expectations.hpp"
#include "opes/loadgen/load_run.hpp"
#include "running_callout_server.hpp"

namespace opes::loadgen {

namespace {

constexpr std::string_view kThrowingUri = "urn:test:throwing";

std::string throwing_config() {
  nlohmann::json config = {
      {"threads", 1},
      {"plugins", {{{"name", "throwing"}, {"path", OPES_THROWING_SO}}}},
      {"services", {{{"name", "throwing"}, {"uri", kThrowingUri}, {"plugin", "throwing"}}}},
      {"profiles", {{"receiver", {"throwing"}}}},
  };
  return config.dump();
}

/// Even transactions carry RAWDATA "throw" (the fixture throws on it), odd
/// ones an ordinary message.
bool throws(std::size_t sequence) {
  return sequence % 2 == 0;
}

}  // namespace

TEST_CASE(
    "a throwing service fails its transaction with TE 400 and the next one on the connection "
    "succeeds") {
  callout::testing::RunningCalloutServer server(throwing_config(), 1);
  LoadOptions options;
  options.port = server.port();
  options.connections = 2;
  options.transactions_per_connection = 6;
  options.session.services = {std::string(kThrowingUri)};
  options.deadline = std::chrono::seconds(60);
  options.idle_timeout = std::chrono::seconds(10);
  const MessageShape shape{.size = 1024};

  std::mutex mutex;
  std::vector<std::size_t> failed_as_expected;
  AnswerExpectations ordinary;
  ordinary.shape = shape;
  const LoadStats stats = run_load(
      options,
      [&shape](std::size_t connection, std::size_t sequence) {
        TransactionInput input = make_input(shape, connection, sequence);
        if (throws(sequence)) input.rawdata = "throw";
        return input;
      },
      [&](const TransactionOutcome& outcome) -> std::optional<std::string> {
        if (!throws(outcome.sequence)) return check_answers(ordinary, outcome);
        if (outcome.end.code != ocp::Result::kFailure)
          return "the throwing transaction did not end with TE 400";
        if (!outcome.problems.empty()) return outcome.problems.front();
        const std::lock_guard lock(mutex);
        failed_as_expected.push_back(outcome.sequence);
        return std::nullopt;
      });
  for (const std::string& failure : stats.failures) MESSAGE(failure);
  CHECK(stats.connections_failed == 0);
  CHECK(stats.transactions_failed == 0);
  CHECK(stats.transactions_ok == 12);
  CHECK(failed_as_expected.size() == 6);
}

}  // namespace opes::loadgen
