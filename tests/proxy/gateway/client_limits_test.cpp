// ClientLimits: the per-address counts behind the anvil-like session and
// transaction limits of opes-proxy.

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "opes/proxy/client_limits.hpp"

using opes::proxy::client_key;
using opes::proxy::ClientLimits;
using Kind = opes::proxy::ClientLimits::Kind;

TEST_CASE("client_limits: sessions of one address stop at the limit, others are counted apart") {
  ClientLimits limits({.max_sessions = 2, .max_transactions = 1});
  auto first = limits.try_acquire(Kind::session, "192.0.2.1");
  auto second = limits.try_acquire(Kind::session, "192.0.2.1");
  REQUIRE(first);
  REQUIRE(second);
  CHECK_FALSE(limits.try_acquire(Kind::session, "192.0.2.1"));
  CHECK(limits.count(Kind::session, "192.0.2.1") == 2);
  // Another address and the other kind have their own counts.
  CHECK(limits.try_acquire(Kind::session, "192.0.2.2"));
  auto transaction = limits.try_acquire(Kind::transaction, "192.0.2.1");
  REQUIRE(transaction);
  CHECK_FALSE(limits.try_acquire(Kind::transaction, "192.0.2.1"));
  CHECK(limits.count(Kind::transaction, "192.0.2.1") == 1);
}

TEST_CASE("client_limits: a lease gives its count back when it goes, once, also when moved") {
  ClientLimits limits({.max_sessions = 1, .max_transactions = 1});
  {
    auto lease = limits.try_acquire(Kind::session, "192.0.2.1");
    REQUIRE(lease);
    ClientLimits::Lease moved = std::move(*lease);
    CHECK_FALSE(lease->held());
    CHECK(moved.held());
    CHECK_FALSE(limits.try_acquire(Kind::session, "192.0.2.1"));
    ClientLimits::Lease assigned;
    assigned = std::move(moved);
    CHECK(limits.count(Kind::session, "192.0.2.1") == 1);
  }
  CHECK(limits.count(Kind::session, "192.0.2.1") == 0);
  // Nothing counted: no entry stays behind, refusals leave none either.
  CHECK(limits.clients() == 0);
  auto again = limits.try_acquire(Kind::session, "192.0.2.1");
  CHECK(again);
  CHECK(limits.clients() == 1);
}

TEST_CASE("client_limits: a refusal leaves no entry for an address that holds nothing") {
  ClientLimits limits({.max_sessions = 0, .max_transactions = 0});
  // 0 is no limit.
  std::vector<ClientLimits::Lease> held;
  for (int i = 0; i < 1000; ++i) held.push_back(*limits.try_acquire(Kind::session, "192.0.2.9"));
  CHECK(limits.count(Kind::session, "192.0.2.9") == 1000);
  held.clear();
  CHECK(limits.clients() == 0);
}

TEST_CASE("client_limits: IPv6 clients are counted by their /64, IPv4-mapped ones as IPv4") {
  CHECK(client_key("192.0.2.7") == "192.0.2.7");
  CHECK(client_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64");
  CHECK(client_key("2001:db8:1:2:bbbb::99") == "2001:db8:1:2::/64");
  CHECK(client_key("2001:db8:1:3::1") == "2001:db8:1:3::/64");
  CHECK(client_key("::ffff:192.0.2.7") == "192.0.2.7");
  CHECK(client_key("not an address") == "not an address");
  ClientLimits limits({.max_sessions = 1, .max_transactions = 1});
  auto one = limits.try_acquire(Kind::session, "2001:db8:1:2::1");
  REQUIRE(one);
  CHECK_FALSE(limits.try_acquire(Kind::session, "2001:db8:1:2::2"));
  CHECK(limits.try_acquire(Kind::session, "2001:db8:1:3::2"));
}

TEST_CASE("client_limits: threads sharing the table never pass the limit and leave it empty") {
  ClientLimits limits({.max_sessions = 3, .max_transactions = 3});
  std::atomic<int> concurrent{0};
  std::atomic<int> most{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto lease = limits.try_acquire(Kind::transaction, "198.51.100.1");
        if (!lease) continue;
        ++granted;
        const int now = ++concurrent;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --concurrent;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(most.load() <= 3);
  CHECK(granted.load() > 0);
  CHECK(limits.count(Kind::transaction, "198.51.100.1") == 0);
  CHECK(limits.clients() == 0);
}
