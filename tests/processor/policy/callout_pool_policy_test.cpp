#include "opes/processor/callout_pool_policy.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace opes::processor::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const PoolClock::time_point kT0{seconds(1000)};

CalloutPool pool_of(std::size_t servers, CalloutPoolSettings settings = {}) {
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < servers; ++i) addresses.push_back("10.0.0." + std::to_string(i + 1));
  auto pool = CalloutPool::make(std::move(addresses), settings);
  REQUIRE(pool);
  return std::move(*pool);
}

}  // namespace

TEST_CASE("a pool needs a server and a backoff with 0 < initial <= max") {
  CHECK(CalloutPool::make({}).error().reason == "the pool has no callout server");
  CHECK_FALSE(CalloutPool::make({"a"}, {seconds(0), seconds(60)}));
  CHECK_FALSE(CalloutPool::make({"a"}, {seconds(2), seconds(1)}));
  CHECK(CalloutPool::make({"a"}, {seconds(1), seconds(1)}));
}

TEST_CASE("the backoff doubles from 1 s and stops at 60 s") {
  const CalloutPool pool = pool_of(1);
  std::vector<long> waits;
  for (unsigned failures = 1; failures <= 9; ++failures) {
    waits.push_back(std::chrono::duration_cast<seconds>(pool.backoff_after(failures)).count());
  }
  CHECK(waits == std::vector<long>{1, 2, 4, 8, 16, 32, 60, 60, 60});
  CHECK(pool.backoff_after(4000000000u) == seconds(60));
}

TEST_CASE("the backoff is configurable") {
  const CalloutPool pool = pool_of(1, {milliseconds(250), seconds(1)});
  CHECK(pool.backoff_after(1) == milliseconds(250));
  CHECK(pool.backoff_after(2) == milliseconds(500));
  CHECK(pool.backoff_after(3) == seconds(1));
  CHECK(pool.backoff_after(4) == seconds(1));
}

TEST_CASE("new servers count as up and equal loads are served round robin") {
  CalloutPool pool = pool_of(3);
  std::vector<std::size_t> chosen;
  for (int i = 0; i < 4; ++i) chosen.push_back(*pool.choose(kT0));
  CHECK(chosen == std::vector<std::size_t>{0, 1, 2, 0});
}

TEST_CASE("the up server with the fewest open transactions is chosen") {
  CalloutPool pool = pool_of(3);
  for (int i = 0; i < 3; ++i) CHECK(pool.record_transaction_started(0));
  CHECK(pool.record_transaction_started(1));
  CHECK(pool.record_transaction_started(2));
  CHECK(pool.record_transaction_started(2));
  CHECK(pool.choose(kT0) == std::size_t{1});
  CHECK(pool.record_transaction_started(1));
  CHECK(pool.record_transaction_started(1));
  CHECK(pool.record_transaction_finished(0));
  CHECK(pool.record_transaction_finished(0));
  CHECK(pool.server(0).open_transactions == 1);
  CHECK(pool.choose(kT0) == std::size_t{0});
}

TEST_CASE("a failure takes a server down with its backoff and the others serve") {
  CalloutPool pool = pool_of(2);
  CHECK(pool.record_failure(0, kT0, "connection refused"));
  const CalloutServerState& down = pool.server(0);
  CHECK_FALSE(down.up);
  CHECK(down.down_since == kT0);
  CHECK(down.consecutive_failures == 1);
  CHECK(down.next_retry == kT0 + seconds(1));
  CHECK(down.last_failure == "connection refused");
  CHECK(pool.next_retry() == kT0 + seconds(1));
  for (int i = 0; i < 3; ++i) CHECK(pool.choose(kT0 + seconds(5)) == std::size_t{1});
}

TEST_CASE("a down server is probed once its retry time has come and only once at a time") {
  CalloutPool pool = pool_of(2);
  CHECK(pool.record_failure(0, kT0, "refused"));
  CHECK(pool.record_failure(1, kT0 + seconds(3), "timeout"));
  CHECK_FALSE(pool.choose(kT0 + milliseconds(999)));
  CHECK(pool.choose(kT0 + seconds(1)) == std::size_t{0});
  CHECK(pool.server(0).probing);
  CHECK_FALSE(pool.choose(kT0 + seconds(2)));
  CHECK(pool.next_retry() == kT0 + seconds(4));
  CHECK(pool.choose(kT0 + seconds(4)) == std::size_t{1});
  CHECK_FALSE(pool.next_retry());
}

TEST_CASE("a failed probe doubles the wait and a successful one brings the server back") {
  CalloutPool pool = pool_of(1);
  CHECK(pool.record_failure(0, kT0, "refused"));
  REQUIRE(pool.choose(kT0 + seconds(1)) == std::size_t{0});
  CHECK(pool.record_failure(0, kT0 + seconds(1), "refused again"));
  CHECK(pool.server(0).consecutive_failures == 2);
  CHECK(pool.server(0).down_since == kT0);
  CHECK(pool.server(0).next_retry == kT0 + seconds(3));
  CHECK_FALSE(pool.server(0).probing);
  CHECK_FALSE(pool.choose(kT0 + seconds(2)));
  REQUIRE(pool.choose(kT0 + seconds(3)) == std::size_t{0});
  CHECK(pool.record_connected(0, kT0 + seconds(3)));
  CHECK(pool.server(0).up);
  CHECK_FALSE(pool.server(0).down_since);
  CHECK(pool.server(0).consecutive_failures == 0);
  CHECK(pool.choose(kT0 + seconds(3)) == std::size_t{0});
  CHECK(pool.choose(kT0 + seconds(3)) == std::size_t{0});
}

TEST_CASE("with every server down and none due there is no choice") {
  CalloutPool pool = pool_of(3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(pool.record_failure(i, kT0, "down"));
  CHECK_FALSE(pool.choose(kT0));
  CHECK_FALSE(pool.choose(kT0 + milliseconds(999)));
  CHECK(reply_when_unavailable(FailurePolicy::tempfail) == failure_reply());
  CHECK_FALSE(reply_when_unavailable(FailurePolicy::pass));
}

TEST_CASE("the failure reply is a transient 451 4.7.0") {
  CHECK(failure_reply().wire() == "451 4.7.0 Content adaptation unavailable, try again later\r\n");
  CHECK(ocp::smtp::parse_reply(failure_reply().text()));
}

TEST_CASE("reports about unknown servers change nothing and open counts never go negative") {
  CalloutPool pool = pool_of(1);
  CHECK_FALSE(pool.record_failure(1, kT0, "x"));
  CHECK_FALSE(pool.record_connected(7, kT0));
  CHECK_FALSE(pool.record_transaction_started(1));
  CHECK_FALSE(pool.record_transaction_finished(1));
  CHECK(pool.record_transaction_finished(0));
  CHECK(pool.server(0).open_transactions == 0);
  CHECK(pool.server(0).up);
}

TEST_CASE("a failure reason is kept to 200 octets") {
  CalloutPool pool = pool_of(1);
  CHECK(pool.record_failure(0, kT0, std::string(300, 'r')));
  CHECK(pool.server(0).last_failure == std::string(200, 'r'));
}

}  // namespace opes::processor::test
