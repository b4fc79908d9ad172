// HostAttempts: a sliding window per client key, with the time injected.
#include <doctest/doctest.h>

#include <chrono>

#include "opes/proxy/host_attempts.hpp"

namespace opes::proxy {

using namespace std::chrono_literals;

TEST_CASE("host attempts: at most max per client in the window, which slides") {
  HostAttempts attempts(3, 60s);
  const HostAttempts::Clock::time_point start{1000s};
  CHECK(attempts.try_attempt("192.0.2.7", start));
  CHECK(attempts.try_attempt("192.0.2.7", start + 10s));
  CHECK(attempts.try_attempt("192.0.2.7", start + 20s));
  CHECK_FALSE(attempts.try_attempt("192.0.2.7", start + 30s));
  // Another client has its own count.
  CHECK(attempts.try_attempt("192.0.2.8", start + 30s));
  // The refused attempt was not counted: at start+60s the first leaves.
  CHECK(attempts.try_attempt("192.0.2.7", start + 60s));
  CHECK_FALSE(attempts.try_attempt("192.0.2.7", start + 61s));
  CHECK(attempts.try_attempt("192.0.2.7", start + 70s));
}

TEST_CASE("host attempts: an IPv6 client is counted by its /64, mapped IPv4 as IPv4") {
  HostAttempts attempts(2, 60s);
  const HostAttempts::Clock::time_point start{1000s};
  CHECK(attempts.try_attempt("2001:db8:1:2::1", start));
  CHECK(attempts.try_attempt("2001:db8:1:2::ffff", start));
  CHECK_FALSE(attempts.try_attempt("2001:db8:1:2:abcd::9", start));
  CHECK(attempts.try_attempt("2001:db8:1:3::1", start));
  CHECK(attempts.try_attempt("192.0.2.7", start));
  CHECK(attempts.try_attempt("::ffff:192.0.2.7", start));
  CHECK_FALSE(attempts.try_attempt("192.0.2.7", start));
}

TEST_CASE("host attempts: 0 is no limit") {
  HostAttempts attempts(0, 60s);
  const HostAttempts::Clock::time_point start{1000s};
  for (int i = 0; i < 100; ++i) CHECK(attempts.try_attempt("192.0.2.7", start));
  CHECK(attempts.clients() == 0);
}

TEST_CASE("host attempts: idle clients are swept") {
  HostAttempts attempts(5, 60s);
  const HostAttempts::Clock::time_point start{1000s};
  for (int i = 0; i < 50; ++i) CHECK(attempts.try_attempt("192.0.2." + std::to_string(i), start));
  CHECK(attempts.clients() == 50);
  CHECK(attempts.try_attempt("198.51.100.1", start + 61s));
  CHECK(attempts.clients() == 1);
}

}  // namespace opes::proxy
