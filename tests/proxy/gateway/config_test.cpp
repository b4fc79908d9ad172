#include <doctest/doctest.h>

#include <string>

#include "opes/proxy/config.hpp"

namespace {

using opes::proxy::parse_config;

std::string errors_of(std::string_view json) {
  auto config = parse_config(json);
  if (config) return "";
  std::string all;
  for (const auto& error : config.error()) all += error.describe() + "\n";
  return all;
}

constexpr std::string_view kMinimal = R"({
  "listeners": [{"port": 0}],
  "spool": "/tmp/opes-spool",
  "callout": {
    "servers": [{"address": "127.0.0.1"}],
    "service_groups": [{"name": "inbound", "services": [{"uri": "urn:opes-smtp:service:header-stamp"}]}]
  }
})";

}  // namespace

TEST_CASE("a minimal configuration gets the secure defaults") {
  auto config = parse_config(kMinimal);
  REQUIRE_MESSAGE(config.has_value(), errors_of(kMinimal));
  CHECK(config->listeners.front().address == "127.0.0.1");
  CHECK(config->callout.servers.front().port == 11344);
  CHECK(config->callout.service_groups.front().on_failure == opes::proxy::FailurePolicy::tempfail);
  CHECK_FALSE(config->callout.service_groups.front().services.front().bypassable);
  CHECK(config->callout.service_groups.front().services.front().name ==
        "urn:opes-smtp:service:header-stamp");
  CHECK(config->tracing.agent_id == "http://localhost/opes");
  CHECK(config->limits.max_line_length == 1000);
  // Only local clients may relay when nothing else is configured.
  CHECK(opes::proxy::in_networks(config->relay.clients, "127.0.0.1"));
  CHECK(opes::proxy::in_networks(config->relay.clients, "::1"));
  CHECK_FALSE(opes::proxy::in_networks(config->relay.clients, "192.0.2.1"));
}

TEST_CASE("an unknown key is named by its path") {
  std::string json(kMinimal);
  json.replace(json.find("\"address\": \"127.0.0.1\""), 22, "\"adress\": \"127.0.0.1\"");
  const std::string errors = errors_of(json);
  CHECK(errors.find("callout.servers[0].adress") != std::string::npos);
  CHECK(errors.find("callout.servers[0].address") != std::string::npos);  // required, missing
}

TEST_CASE("upstream and spool exclude each other and one is needed") {
  std::string both(kMinimal);
  both.insert(both.rfind('}'), R"(, "upstream": {"address": "127.0.0.1"})");
  CHECK(errors_of(both).find("exactly one of upstream and spool") != std::string::npos);
  std::string neither(kMinimal);
  neither.erase(neither.find("\"spool\""), std::string_view(R"("spool": "/tmp/opes-spool",)").size());
  CHECK(errors_of(neither).find("exactly one of upstream and spool") != std::string::npos);
}

TEST_CASE("relay networks are IPv4 and IPv6 prefixes") {
  std::string json(kMinimal);
  json.insert(json.rfind('}'), R"(, "relay": {"clients": ["192.0.2.0/24", "2001:db8::/32"], "domains": ["Example.ORG"]})");
  auto config = parse_config(json);
  REQUIRE_MESSAGE(config.has_value(), errors_of(json));
  const auto& clients = config->relay.clients;
  CHECK(opes::proxy::in_networks(clients, "192.0.2.200"));
  CHECK_FALSE(opes::proxy::in_networks(clients, "192.0.3.1"));
  CHECK(opes::proxy::in_networks(clients, "::ffff:192.0.2.7"));
  CHECK(opes::proxy::in_networks(clients, "2001:db8:1::25"));
  CHECK_FALSE(opes::proxy::in_networks(clients, "2001:db9::1"));
  CHECK_FALSE(opes::proxy::in_networks(clients, "127.0.0.1"));  // replaced, not added to
  CHECK(config->relay.domains == std::vector<std::string>{"example.org"});

  std::string bad(kMinimal);
  bad.insert(bad.rfind('}'), R"(, "relay": {"clients": ["192.0.2.0/33", "host.example"]})");
  const std::string errors = errors_of(bad);
  CHECK(errors.find("relay.clients[0]") != std::string::npos);
  CHECK(errors.find("relay.clients[1]") != std::string::npos);
}

TEST_CASE("a listener naming an unknown service group is refused") {
  std::string json(kMinimal);
  json.replace(json.find("{\"port\": 0}"), 11, R"({"port": 0, "service_group": "outbound"})");
  CHECK(errors_of(json).find("listeners[0].service_group: no service group is named 'outbound'") !=
        std::string::npos);
}

TEST_CASE("the failure policy is tempfail or pass") {
  std::string json(kMinimal);
  json.replace(json.find("\"services\""), 0, R"("on_failure": "pass", )");
  auto config = parse_config(json);
  REQUIRE_MESSAGE(config.has_value(), errors_of(json));
  CHECK(config->callout.service_groups.front().on_failure == opes::proxy::FailurePolicy::pass);
  std::string bad(kMinimal);
  bad.replace(bad.find("\"services\""), 0, R"("on_failure": "accept", )");
  CHECK(errors_of(bad).find("callout.service_groups[0].on_failure: must be tempfail or pass") !=
        std::string::npos);
}

TEST_CASE("the shipped default configuration reads without a problem") {
  auto config = opes::proxy::load_config(OPES_SOURCE_DIR "/config/opes-proxy.json");
  REQUIRE_MESSAGE(config.has_value(), (config ? std::string() : config.error().front().describe()));
  CHECK(config->spool.has_value());
  CHECK_FALSE(config->upstream.has_value());
  CHECK(config->listeners.front().port == 10025);
  CHECK(config->find_group("inbound")->services.size() == 2);
}

TEST_CASE("at least one callout server is needed") {
  std::string json(kMinimal);
  const std::string servers = R"("servers": [{"address": "127.0.0.1"}])";
  json.replace(json.find(servers), servers.size(), R"("servers": [])");
  CHECK(errors_of(json).find("callout.servers: needs at least one server") != std::string::npos);
}

TEST_CASE("shutdown_grace_seconds defaults to 30 and is bounded") {
  auto config = parse_config(kMinimal);
  REQUIRE(config);
  CHECK(config->shutdown_grace == std::chrono::seconds(30));
  std::string json(kMinimal);
  json.replace(json.find("\"spool\""), 0, R"("shutdown_grace_seconds": 0, )");
  auto immediate = parse_config(json);
  REQUIRE_MESSAGE(immediate.has_value(), errors_of(json));
  CHECK(immediate->shutdown_grace == std::chrono::seconds(0));
  std::string bad(kMinimal);
  bad.replace(bad.find("\"spool\""), 0, R"("shutdown_grace_seconds": 3601, )");
  CHECK(errors_of(bad).find("shutdown_grace_seconds: must be an integer from 0 to 3600") !=
        std::string::npos);
}
