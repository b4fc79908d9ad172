// DeliveryCache keyed by destination: a connection to one upstream is never
// handed to a session delivering to another (delivery_cache.hpp).

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "fake_delivery.hpp"
#include "opes/proxy/delivery_cache.hpp"

namespace {

using namespace opes::proxy;
using opes::proxy::testing::CallLog;
using opes::proxy::testing::FakeDelivery;

std::unique_ptr<Delivery> fake(std::string name, CallLog& log) {
  return std::make_unique<FakeDelivery>(std::move(name), log);
}

}  // namespace

TEST_CASE("a cached connection is taken only for its own destination, newest first") {
  CallLog log;
  DeliveryCache cache;
  CHECK(cache.give("mta", fake("mta-1", log)) == nullptr);
  CHECK(cache.give("partner", fake("partner-1", log)) == nullptr);
  CHECK(cache.give("mta", fake("mta-2", log)) == nullptr);
  CHECK(cache.size() == 3);
  CHECK(cache.take("local") == nullptr);
  auto newest = cache.take("mta");
  REQUIRE(newest != nullptr);
  CHECK(newest->describe() == "fake mta-2");
  CHECK(cache.take("mta")->describe() == "fake mta-1");
  CHECK(cache.take("mta") == nullptr);
  CHECK(cache.take("partner")->describe() == "fake partner-1");
  CHECK(cache.size() == 0);
  // Each handed out told to retry its first MAIL once on a fresh connection.
  CHECK(log.text() == "mta-2: REUSE\nmta-1: REUSE\npartner-1: REUSE\n");
}

TEST_CASE("what is not reusable, or beyond max_idle, or after close is given back") {
  CallLog log;
  DeliveryCache cache(2);
  auto gone = std::make_unique<FakeDelivery>("gone", log);
  gone->connected = false;
  CHECK(cache.give("mta", std::move(gone)) != nullptr);
  CHECK(cache.give("mta", fake("a", log)) == nullptr);
  CHECK(cache.give("local", fake("b", log)) == nullptr);
  CHECK(cache.give("mta", fake("c", log)) != nullptr);
  cache.close();
  CHECK(cache.size() == 0);
  CHECK(log.text() == "a: ABORT\nb: ABORT\n");
  CHECK(cache.give("mta", fake("d", log)) != nullptr);
}

TEST_CASE("connections idle longer than max_age are closed") {
  CallLog log;
  DeliveryCache cache(16, std::chrono::milliseconds(20));
  CHECK(cache.give("mta", fake("old", log)) == nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  CHECK(cache.give("mta", fake("young", log)) == nullptr);
  CHECK(cache.size() == 1);
  CHECK(log.text() == "old: ABORT\n");
  CHECK(cache.take("mta")->describe() == "fake young");
}
