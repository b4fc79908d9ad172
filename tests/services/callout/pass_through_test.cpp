// The pass-through example plugin behind the callout server: every part of
// every message comes back unchanged, with or without Kept.

#include <doctest/doctest.h>

#include "opes/loadgen/answer_expectations.hpp"
#include "opes/loadgen/load_run.hpp"
#include "running_callout_server.hpp"

namespace opes::loadgen {

namespace {

constexpr std::string_view kPassThroughUri = "urn:opes-smtp:example:pass-through";

std::string pass_through_config() {
  nlohmann::json config = {
      {"threads", 1},
      {"plugins", {{{"name", "pass-through"}, {"path", OPES_PASS_THROUGH_SO}}}},
      {"services",
       {{{"name", "pass-through"}, {"uri", kPassThroughUri}, {"plugin", "pass-through"}}}},
      {"profiles", {{"receiver", {"pass-through"}}}},
  };
  return config.dump();
}

}  // namespace

TEST_CASE("the pass-through service gives every message back unchanged with or without Kept") {
  callout::testing::RunningCalloutServer server(pass_through_config(), 1);
  for (const bool kept : {false, true}) {
    CAPTURE(kept);
    LoadOptions options;
    options.port = server.port();
    options.connections = 4;
    options.transactions_per_connection = 25;
    options.session.services = {std::string(kPassThroughUri)};
    options.session.kept = kept;
    options.deadline = std::chrono::seconds(60);
    AnswerExpectations expected;
    expected.shape = MessageShape{.size = 100000};
    const LoadStats stats = run_load(
        options,
        [&expected](std::size_t connection, std::size_t sequence) {
          return make_input(expected.shape, connection, sequence);
        },
        [&expected](const TransactionOutcome& outcome) {
          return check_answers(expected, outcome);
        });
    for (const std::string& failure : stats.failures) MESSAGE(failure);
    CHECK(stats.all_ok());
    CHECK(stats.transactions_ok == 100);
  }
}

}  // namespace opes::loadgen
