#include "opes/proxy/relay_decision.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

using opes::proxy::decide_relay;
using opes::proxy::RelayPolicy;
using opes::proxy::RelayVerdict;

/// relay.clients ["192.0.2.0/24"], relay.domains ["localhost", "example.org"].
RelayPolicy policy(bool allow_untrusted_routing = false) {
  const std::string text = R"({
    "listeners": [{"port": 0}], "spool": "/tmp/opes-spool",
    "relay": {"clients": ["192.0.2.0/24"], "domains": ["localhost", "Example.ORG"],
              "allow_untrusted_routing": )" +
                           std::string(allow_untrusted_routing ? "true" : "false") + R"(},
    "callout": {"servers": [{"address": "127.0.0.1"}],
                "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]}]}})";
  auto config = opes::proxy::parse_config(text);
  REQUIRE(config);
  return config->relay;
}

constexpr const char* kOutsider = "198.51.100.9";
constexpr const char* kTrusted = "192.0.2.7";

}  // namespace

TEST_CASE("relay: an outsider may send to our domains, in any case, and to Postmaster") {
  const RelayPolicy p = policy();
  CHECK(decide_relay(p, kOutsider, "user@localhost") == RelayVerdict::permitted);
  CHECK(decide_relay(p, kOutsider, "User@LOCALHOST") == RelayVerdict::permitted);
  CHECK(decide_relay(p, kOutsider, "someone@example.org") == RelayVerdict::permitted);
  CHECK(decide_relay(p, kOutsider, "Postmaster") == RelayVerdict::permitted);
  CHECK(decide_relay(p, kOutsider, "\"with space\"@localhost") == RelayVerdict::permitted);
}

TEST_CASE("relay: an outsider may not send elsewhere") {
  const RelayPolicy p = policy();
  CHECK(decide_relay(p, kOutsider, "victim@elsewhere.example") == RelayVerdict::not_local);
  CHECK(decide_relay(p, kOutsider, "user@sub.localhost") == RelayVerdict::not_local);
  CHECK(decide_relay(p, kOutsider, "user@[127.0.0.1]") == RelayVerdict::not_local);
}

TEST_CASE("relay: sender-specified routing from an outsider is a relay attempt") {
  const RelayPolicy p = policy();
  for (const char* recipient :
       {"user%evil.com@localhost", "USER%EVIL.COM@LocalHost", "\"user@evil.com\"@localhost",
        "\"user%evil.com\"@localhost", "evil.com!user@localhost", "\"a@b@evil.com\"@localhost",
        "\"user\\@evil.com\"@localhost", "Evil.Com!User@Example.Org", "postmaster%evil.com@localhost"}) {
    CAPTURE(recipient);
    CHECK(decide_relay(p, kOutsider, recipient) == RelayVerdict::sender_routing);
  }
  CHECK(opes::proxy::describe(RelayVerdict::sender_routing) == "sender-specified routing");
}

TEST_CASE("relay: a trusted client may relay, routing included (Postfix's trusted clients)") {
  const RelayPolicy p = policy();
  CHECK(decide_relay(p, kTrusted, "victim@elsewhere.example") == RelayVerdict::permitted);
  CHECK(decide_relay(p, kTrusted, "user%evil.com@localhost") == RelayVerdict::permitted);
  CHECK(decide_relay(p, "::ffff:192.0.2.7", "\"user@evil.com\"@localhost") == RelayVerdict::permitted);
}

TEST_CASE("relay: allow_untrusted_routing lets an outsider route through our domains only") {
  const RelayPolicy p = policy(true);
  CHECK(p.allow_untrusted_routing);
  CHECK(decide_relay(p, kOutsider, "user%evil.com@localhost") == RelayVerdict::permitted);
  CHECK(decide_relay(p, kOutsider, "evil.com!user@localhost") == RelayVerdict::permitted);
  CHECK(decide_relay(p, kOutsider, "user%evil.com@elsewhere.example") == RelayVerdict::not_local);
}

TEST_CASE("relay: allow_untrusted_routing is off by default and must be a boolean") {
  auto config = opes::proxy::parse_config(R"({
    "listeners": [{"port": 0}], "spool": "/tmp/opes-spool",
    "callout": {"servers": [{"address": "127.0.0.1"}],
                "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]}]}})");
  REQUIRE(config);
  CHECK_FALSE(config->relay.allow_untrusted_routing);
  auto bad = opes::proxy::parse_config(R"({
    "listeners": [{"port": 0}], "spool": "/tmp/opes-spool",
    "relay": {"allow_untrusted_routing": "yes"},
    "callout": {"servers": [{"address": "127.0.0.1"}],
                "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]}]}})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().front().path == "relay.allow_untrusted_routing");
}

TEST_CASE("relay: an authenticated outsider relays anywhere, the same outsider unauthenticated does not") {
  const RelayPolicy p = policy();
  CHECK(decide_relay(p, kOutsider, "someone@elsewhere.test", true) == RelayVerdict::permitted);
  CHECK(decide_relay(p, kOutsider, "someone@elsewhere.test", false) == RelayVerdict::not_local);
  CHECK(decide_relay(p, kOutsider, "someone@elsewhere.test") == RelayVerdict::not_local);
}
