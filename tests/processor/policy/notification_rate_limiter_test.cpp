#include "opes/processor/notification_rate_limiter.hpp"

#include <doctest/doctest.h>

#include <string>

namespace opes::processor::test {

namespace {

using Verdict = NotificationRateLimiter::Verdict;
using std::chrono::seconds;

const RateClock::time_point kStart = RateClock::time_point{} + std::chrono::hours(1000);

}  // namespace

TEST_CASE("a sender gets per_sender notifications per window and the next one is refused") {
  NotificationRateLimiter limiter({seconds(60), 2, 100});
  CHECK(limiter.admit("victim@example.org", kStart) == Verdict::admitted);
  CHECK(limiter.admit("victim@example.org", kStart + seconds(1)) == Verdict::admitted);
  CHECK(limiter.admit("victim@example.org", kStart + seconds(2)) == Verdict::sender_limit);
  // Another sender has its own budget.
  CHECK(limiter.admit("other@example.org", kStart + seconds(3)) == Verdict::admitted);
}

TEST_CASE("senders differing only in US-ASCII case share one budget") {
  NotificationRateLimiter limiter({seconds(60), 1, 100});
  CHECK(limiter.admit("Victim@Example.ORG", kStart) == Verdict::admitted);
  CHECK(limiter.admit("victim@example.org", kStart) == Verdict::sender_limit);
  CHECK(limiter.admit("VICTIM@EXAMPLE.ORG", kStart) == Verdict::sender_limit);
}

TEST_CASE("the total limit holds across senders within the window") {
  NotificationRateLimiter limiter({seconds(60), 5, 3});
  CHECK(limiter.admit("a@example.org", kStart) == Verdict::admitted);
  CHECK(limiter.admit("b@example.org", kStart) == Verdict::admitted);
  CHECK(limiter.admit("c@example.org", kStart) == Verdict::admitted);
  CHECK(limiter.admit("d@example.org", kStart + seconds(59)) == Verdict::total_limit);
  CHECK(limiter.admit("a@example.org", kStart + seconds(59)) == Verdict::total_limit);
}

TEST_CASE("counts start again once the window has passed") {
  NotificationRateLimiter limiter({seconds(60), 1, 1});
  CHECK(limiter.admit("a@example.org", kStart) == Verdict::admitted);
  CHECK(limiter.admit("a@example.org", kStart + seconds(59)) == Verdict::total_limit);
  CHECK(limiter.admit("a@example.org", kStart + seconds(60)) == Verdict::admitted);
  CHECK(limiter.admit("a@example.org", kStart + seconds(61)) == Verdict::total_limit);
}

TEST_CASE("a clock that goes back opens a new window instead of stalling") {
  NotificationRateLimiter limiter({seconds(60), 1, 10});
  CHECK(limiter.admit("a@example.org", kStart) == Verdict::admitted);
  CHECK(limiter.admit("a@example.org", kStart - seconds(5)) == Verdict::admitted);
}

TEST_CASE("zero limits admit nothing") {
  NotificationRateLimiter no_sender({seconds(60), 0, 10});
  CHECK(no_sender.admit("a@example.org", kStart) == Verdict::sender_limit);
  NotificationRateLimiter no_total({seconds(60), 10, 0});
  CHECK(no_total.admit("a@example.org", kStart) == Verdict::total_limit);
}

TEST_CASE("memory is bounded by the total: refused senders are not remembered") {
  NotificationRateLimiter limiter({seconds(60), 1, 4});
  for (int i = 0; i < 1000; ++i) (void)limiter.admit("s" + std::to_string(i) + "@x.test", kStart);
  CHECK(limiter.remembered() == 4);
  (void)limiter.admit("late@x.test", kStart + seconds(60));
  CHECK(limiter.remembered() == 1);
}

}  // namespace opes::processor::test
