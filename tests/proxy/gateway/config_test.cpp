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

TEST_CASE("smtp.bare_line_endings is reject by default, or normalize") {
  using Mode = opes::proxy::SmtpStrictness::BareLineEndings;
  auto defaults = parse_config(kMinimal);
  REQUIRE(defaults.has_value());
  CHECK(defaults->smtp.bare_line_endings == Mode::reject);
  std::string normalize(kMinimal);
  normalize.insert(normalize.rfind('}'), R"(, "smtp": {"bare_line_endings": "normalize"})");
  auto normalized = parse_config(normalize);
  REQUIRE_MESSAGE(normalized.has_value(), errors_of(normalize));
  CHECK(normalized->smtp.bare_line_endings == Mode::normalize);
  std::string wrong(kMinimal);
  wrong.insert(wrong.rfind('}'), R"(, "smtp": {"bare_line_endings": "accept"})");
  CHECK(errors_of(wrong) == "smtp.bare_line_endings: must be reject or normalize\n");
  std::string unknown(kMinimal);
  unknown.insert(unknown.rfind('}'), R"(, "smtp": {"bare_newlines": "reject"})");
  CHECK(errors_of(unknown).find("smtp.bare_newlines") != std::string::npos);
}

TEST_CASE("capacity: the callout pool grows to 32 per server and clients are limited per address") {
  auto config = parse_config(kMinimal);
  REQUIRE_MESSAGE(config.has_value(), errors_of(kMinimal));
  CHECK(config->callout.connections_per_server == 2);
  CHECK(config->callout.max_connections_per_server == 32);
  CHECK(config->callout.idle_timeout == opes::proxy::Seconds(60));
  CHECK(config->callout.max_transactions_per_connection == 64);
  CHECK(config->limits.max_sessions_per_client == 20);
  CHECK(config->limits.max_transactions_per_client == 10);
  CHECK(config->limits.exempt_relay_clients);

  std::string set(kMinimal);
  set.insert(set.find("\"servers\""),
             R"("connections_per_server": 4, "max_connections_per_server": 8, "max_transactions_per_connection": 16, "timeouts": {"idle_seconds": 5}, )");
  set.insert(set.rfind('}'),
             R"(, "limits": {"max_sessions_per_client": 0, "max_transactions_per_client": 3, "exempt_relay_clients": false})");
  auto given = parse_config(set);
  REQUIRE_MESSAGE(given.has_value(), errors_of(set));
  CHECK(given->callout.max_connections_per_server == 8);
  CHECK(given->callout.idle_timeout == opes::proxy::Seconds(5));
  CHECK(given->callout.max_transactions_per_connection == 16);
  CHECK(given->limits.max_sessions_per_client == 0);
  CHECK(given->limits.max_transactions_per_client == 3);
  CHECK_FALSE(given->limits.exempt_relay_clients);

  // A minimum above 32 raises the default maximum with it.
  std::string many(kMinimal);
  many.insert(many.find("\"servers\""), R"("connections_per_server": 40, )");
  auto raised = parse_config(many);
  REQUIRE_MESSAGE(raised.has_value(), errors_of(many));
  CHECK(raised->callout.max_connections_per_server == 40);

  std::string below(kMinimal);
  below.insert(below.find("\"servers\""), R"("connections_per_server": 4, "max_connections_per_server": 3, )");
  CHECK(errors_of(below).find("callout.max_connections_per_server: must be at least connections_per_server (4)") !=
        std::string::npos);
}

TEST_CASE("by default the opestrace notification goes to relay clients only and is bounded in size and rate") {
  auto config = parse_config(kMinimal);
  REQUIRE(config.has_value());
  CHECK(config->tracing.notify == opes::proxy::TraceNotify::relay_clients);
  CHECK(config->tracing.notify_max_header == 8192);
  CHECK(config->tracing.notify_window == std::chrono::seconds(3600));
  CHECK(config->tracing.notify_per_sender == 5);
  CHECK(config->tracing.notify_total == 100);
}

TEST_CASE("tracing.notify and notify_max_header and notify_rate are read and checked") {
  std::string text(kMinimal);
  text.insert(text.rfind('}'), R"(, "tracing": {"notify": "anyone", "notify_max_header": 1024,
      "notify_rate": {"window_seconds": 60, "per_sender": 0, "total": 7}})");
  auto config = parse_config(text);
  REQUIRE_MESSAGE(config.has_value(), errors_of(text));
  CHECK(config->tracing.notify == opes::proxy::TraceNotify::anyone);
  CHECK(config->tracing.notify_max_header == 1024);
  CHECK(config->tracing.notify_window == std::chrono::seconds(60));
  CHECK(config->tracing.notify_per_sender == 0);
  CHECK(config->tracing.notify_total == 7);

  std::string bad(kMinimal);
  bad.insert(bad.rfind('}'), R"(, "tracing": {"notify": "everybody", "notify_max_header": 1000,
      "notify_rate": {"window_seconds": 0, "burst": 1}})");
  const std::string errors = errors_of(bad);
  CHECK(errors.find("tracing.notify: must be one of relay_clients, anyone, nobody") != std::string::npos);
  CHECK(errors.find("tracing.notify_max_header") != std::string::npos);
  CHECK(errors.find("tracing.notify_rate.window_seconds") != std::string::npos);
  CHECK(errors.find("tracing.notify_rate.burst") != std::string::npos);
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
