#include "opes/processor/bypass_policy.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace opes::processor::test {

namespace {

/// A group as the product ships it: the virus scan protected, the
/// disclaimer and the header stamp bypassable.
const std::vector<GroupService> kGroup{
    {"virus-scan", "http://callout.example.com/services/virus-scan", false},
    {"disclaimer", "http://callout.example.com/services/disclaimer", true},
    {"header-stamp", "http://callout.example.com/services/header-stamp", true},
};

const BypassPolicy kPolicy{true, "http://gateway.example.com/opes"};

BypassRequest entries(std::vector<std::string> list) {
  return BypassRequest{false, std::move(list)};
}

}  // namespace

TEST_CASE("services are protected unless configured bypassable and bypass is allowed globally") {
  CHECK_FALSE(GroupService{}.bypassable);
  CHECK(BypassPolicy{}.allow_bypass);
}

TEST_CASE("a star skips every bypassable service and refuses the protected ones") {
  const BypassDecision decision = decide_bypass(kGroup, BypassRequest{true, {}}, kPolicy);
  CHECK(decision.skipped == std::vector<std::size_t>{1, 2});
  CHECK(decision.refused == std::vector<std::size_t>{0});
  CHECK(decision.unknown.empty());
  CHECK(decision.skips(1));
  CHECK_FALSE(decision.skips(0));
}

TEST_CASE("a service named by its agent id is skipped") {
  const BypassDecision decision =
      decide_bypass(kGroup, entries({"HTTP://Callout.Example.com/services/disclaimer"}), kPolicy);
  CHECK(decision.skipped == std::vector<std::size_t>{1});
  CHECK(decision.refused.empty());
  CHECK(decision.unknown.empty());
}

TEST_CASE("a service named by its service name is skipped regardless of case") {
  const BypassDecision decision = decide_bypass(kGroup, entries({"Header-Stamp"}), kPolicy);
  CHECK(decision.skipped == std::vector<std::size_t>{2});
  CHECK(decision.refused.empty());
}

TEST_CASE("one bypass is honoured and one refused by policy in the same request") {
  const BypassDecision decision =
      decide_bypass(kGroup, entries({"virus-scan", "disclaimer"}), kPolicy);
  CHECK(decision.skipped == std::vector<std::size_t>{1});
  CHECK(decision.refused == std::vector<std::size_t>{0});
  CHECK(decision.unknown.empty());
}

TEST_CASE("entries naming no service are reported once and otherwise ignored") {
  const BypassDecision decision = decide_bypass(
      kGroup,
      entries({"spam-filter", "http://other.example.net/opes", "disclaimer", "spam-filter"}),
      kPolicy);
  CHECK(decision.skipped == std::vector<std::size_t>{1});
  CHECK(decision.refused.empty());
  CHECK(decision.unknown ==
        std::vector<std::string>{"spam-filter", "http://other.example.net/opes"});
}

TEST_CASE("the OPES system's own agent id names every service") {
  const BypassDecision decision =
      decide_bypass(kGroup, entries({"http://GATEWAY.example.com/opes"}), kPolicy);
  CHECK(decision.skipped == std::vector<std::size_t>{1, 2});
  CHECK(decision.refused == std::vector<std::size_t>{0});
  CHECK(decision.unknown.empty());
}

TEST_CASE("a service named twice is decided once") {
  const BypassDecision decision = decide_bypass(
      kGroup, entries({"disclaimer", "http://callout.example.com/services/disclaimer"}), kPolicy);
  CHECK(decision.skipped == std::vector<std::size_t>{1});
}

TEST_CASE("with bypass switched off globally every requested service is refused") {
  const BypassDecision decision = decide_bypass(
      kGroup, BypassRequest{true, {}}, BypassPolicy{false, "http://gateway.example.com/opes"});
  CHECK(decision.skipped.empty());
  CHECK(decision.refused == std::vector<std::size_t>{0, 1, 2});
}

TEST_CASE("an empty service group skips nothing and reports named entries as unknown") {
  const BypassDecision decision = decide_bypass({}, entries({"disclaimer"}), kPolicy);
  CHECK(decision == BypassDecision{{}, {}, {"disclaimer"}});
}

}  // namespace opes::processor::test
