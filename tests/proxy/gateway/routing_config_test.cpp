// Named destinations and routes in the configuration (config.hpp Routing):
// what loads, what is refused and why, and which destination a recipient
// gets.

#include <doctest/doctest.h>

#include <string>

#include "opes/proxy/config.hpp"

namespace {

using namespace opes::proxy;

std::string document(std::string_view where_mail_goes) {
  return std::string(R"({"listeners": [{"port": 0}], )") + std::string(where_mail_goes) +
         R"(, "callout": {"servers": [{"address": "127.0.0.1"}],
      "service_groups": [{"name": "g", "services": [{"uri": "urn:x"}]}]}})";
}

std::string errors_of(std::string_view where_mail_goes) {
  auto config = parse_config(document(where_mail_goes));
  if (config) return "";
  std::string all;
  for (const auto& error : config.error()) all += error.describe() + "\n";
  return all;
}

constexpr std::string_view kDestinations = R"(
  "destinations": {"mta": {"upstream": {"address": "mx.example.net", "port": 2525, "starttls": "verify",
                                        "tls": {"ca_file": "ca.pem"}}},
                   "local": {"spool": "spool"},
                   "partner": {"upstream": {"address": "192.0.2.9", "starttls": "off"}}})";

std::string routed(std::string_view routes) {
  return std::string(kDestinations) + R"(, "routes": )" + std::string(routes);
}

const std::string kRoutes = routed(R"([
    {"domains": ["Example.ORG", ".example.org"], "destination": "local"},
    {"domains": ["partner.test", ".eu.partner.test", "[192.0.2.1]"], "destination": "partner"},
    {"domains": ["deep.eu.partner.test"], "destination": "local"},
    {"destination": "mta"}])");

std::string destination_of(const ProxyConfig& config, std::string_view recipient) {
  return config.routing.destinations[config.routing.destination_for(recipient)].name;
}

}  // namespace

TEST_CASE("destinations are read with their kinds, paths resolved against the file's folder") {
  auto config = parse_config(document(kRoutes), "/etc/opes");
  REQUIRE_MESSAGE(config.has_value(), errors_of(kRoutes));
  const Routing& routing = config->routing;
  REQUIRE(routing.destinations.size() == 3);
  const Destination& mta = routing.destinations[*routing.find("mta")];
  CHECK(mta.kind == DestinationKind::upstream);
  CHECK(mta.upstream.address == "mx.example.net");
  CHECK(mta.upstream.port == 2525);
  CHECK(mta.upstream.starttls == UpstreamTls::verify);
  CHECK(mta.upstream.check.ca_file == "/etc/opes/ca.pem");
  const Destination& local = routing.destinations[*routing.find("local")];
  CHECK(local.kind == DestinationKind::spool);
  CHECK(local.spool == "/etc/opes/spool");
  CHECK(routing.destinations[routing.default_destination].name == "mta");
  CHECK_FALSE(routing.only_destination().has_value());
  // The legacy keys stay empty: the destinations say where mail goes.
  CHECK_FALSE(config->upstream.has_value());
  CHECK_FALSE(config->spool.has_value());
}

TEST_CASE("a recipient's domain picks its route case-insensitively, the most specific pattern first") {
  auto config = parse_config(document(kRoutes));
  REQUIRE_MESSAGE(config.has_value(), errors_of(kRoutes));
  CHECK(destination_of(*config, "bob@example.org") == "local");
  CHECK(destination_of(*config, "Bob@EXAMPLE.org") == "local");
  CHECK(destination_of(*config, "bob@a.b.Example.Org") == "local");
  CHECK(destination_of(*config, "bob@notexample.org") == "mta");
  CHECK(destination_of(*config, "bob@example.org.evil.test") == "mta");
  // "partner.test" is that domain only; ".eu.partner.test" the names below.
  CHECK(destination_of(*config, "x@partner.test") == "partner");
  CHECK(destination_of(*config, "x@www.partner.test") == "mta");
  CHECK(destination_of(*config, "x@eu.partner.test") == "mta");
  CHECK(destination_of(*config, "x@fr.eu.partner.test") == "partner");
  // Whatever the order of the routes, the nearest pattern wins.
  CHECK(destination_of(*config, "x@deep.eu.partner.test") == "local");
  CHECK(destination_of(*config, "x@below.deep.eu.partner.test") == "partner");
  CHECK(destination_of(*config, "x@[192.0.2.1]") == "partner");
  CHECK(destination_of(*config, "x@[192.0.2.2]") == "mta");
  // The quoted local part may hold an '@': the domain follows the last one.
  CHECK(destination_of(*config, "\"a@example.org\"@elsewhere.test") == "mta");
  CHECK(destination_of(*config, "postmaster") == "mta");
}

TEST_CASE("the legacy upstream or spool is the one destination, named default") {
  auto spool = parse_config(document(R"("spool": "/var/spool/opes")"));
  REQUIRE(spool.has_value());
  REQUIRE(spool->routing.destinations.size() == 1);
  CHECK(spool->routing.destinations[0].name == "default");
  CHECK(spool->routing.destinations[0].kind == DestinationKind::spool);
  CHECK(spool->routing.destinations[0].spool == "/var/spool/opes");
  CHECK(spool->routing.only_destination() == std::optional<std::size_t>(0));
  CHECK(spool->spool == std::optional<std::filesystem::path>("/var/spool/opes"));

  auto upstream = parse_config(document(R"("upstream": {"address": "127.0.0.1", "port": 10026})"));
  REQUIRE(upstream.has_value());
  REQUIRE(upstream->routing.destinations.size() == 1);
  CHECK(upstream->routing.destinations[0].kind == DestinationKind::upstream);
  CHECK(upstream->routing.destinations[0].upstream.port == 10026);
  CHECK(upstream->routing.destination_for("anyone@anywhere.test") == 0);
  CHECK(upstream->upstream.has_value());
}

TEST_CASE("routes that all lead to one destination make it the only one") {
  auto config = parse_config(document(routed(R"([{"domains": ["a.test"], "destination": "mta"},
                                                 {"destination": "mta"}])")));
  REQUIRE(config.has_value());
  CHECK(config->routing.only_destination() == config->routing.find("mta"));
}

TEST_CASE("an unknown destination name is refused at load, naming the route and the known names") {
  const std::string errors = errors_of(routed(R"([{"domains": ["a.test"], "destination": "lcoal"},
                                                  {"destination": "mta"}])"));
  CHECK(errors == "routes[0].destination: no destination is named 'lcoal' (configured: local, mta, partner)\n");
  CHECK(errors_of(routed(R"([{"destination": "nowhere"}])")).find("routes[0].destination: no destination") == 0);
}

TEST_CASE("the routes need exactly one default route") {
  CHECK(errors_of(routed(R"([{"domains": ["a.test"], "destination": "mta"}])")) ==
        "routes: needs a default route: one without domains, for every other recipient\n");
  CHECK(errors_of(routed(R"([{"destination": "mta"}, {"destination": "local"}])")) ==
        "routes[1]: a second default route (without domains); routes[0] is the default\n");
  CHECK(errors_of(routed("[]")) ==
        "routes: needs a default route: one without domains, for every other recipient\n");
  CHECK(errors_of(kDestinations) ==
        "routes: is required with destinations (at least the default route, without domains)\n");
  CHECK(errors_of(routed(R"([{"domains": [], "destination": "mta"}, {"destination": "mta"}])"))
            .find("routes[0].domains: must list at least one domain (the default route has no domains key)\n") == 0);
}

TEST_CASE("one domain in two routes, or a pattern that is no domain, is refused") {
  CHECK(errors_of(routed(R"([{"domains": ["a.test"], "destination": "mta"},
                             {"domains": ["b.test", "A.TEST"], "destination": "local"},
                             {"destination": "mta"}])")) ==
        "routes[1].domains[1]: 'a.test' is already routed by routes[0]\n");
  for (const char* bad : {"", ".", "a..b", "-a.test", "a-.test", "a_b.test", "*.test", "user@a.test",
                          "a.test.", "[]", "[a b]"}) {
    CAPTURE(bad);
    const std::string errors = errors_of(routed(std::string(R"([{"domains": [")") + bad +
                                                R"("], "destination": "mta"}, {"destination": "mta"}])"));
    CHECK(errors.find("routes[0].domains[0]: '") == 0);
    CHECK(errors.find("must be a domain (example.org), .domain for every name below it") != std::string::npos);
  }
  const std::string long_label(64, 'a');
  CHECK_FALSE(errors_of(routed(R"([{"domains": [")" + long_label + R"(.test"], "destination": "mta"},
                                  {"destination": "mta"}])")).empty());
}

TEST_CASE("a destination has exactly one kind and a name fit for logs") {
  CHECK(errors_of(R"("destinations": {"x": {"upstream": {"address": "h"}, "spool": "s"}},
                     "routes": [{"destination": "x"}])") ==
        "destinations.x: needs exactly one of upstream and spool\n");
  CHECK(errors_of(R"("destinations": {"x": {}}, "routes": [{"destination": "x"}])") ==
        "destinations.x: needs exactly one of upstream and spool\n");
  CHECK(errors_of(R"("destinations": {"x": {"spool": "s", "queue": "q"}}, "routes": [{"destination": "x"}])") ==
        "destinations.x.queue: unknown key\n");
  CHECK(errors_of(R"("destinations": {"x": {"upstream": {"address": "h", "port": 0}}},
                     "routes": [{"destination": "x"}])") ==
        "destinations.x.upstream.port: must be from 1 to 65535\n");
  CHECK(errors_of(R"("destinations": {"a b": {"spool": "s"}}, "routes": [{"destination": "a b"}])") ==
        "destinations.a b: a destination name is 1 to 64 letters, digits, '.', '_' or '-'\n");
}

TEST_CASE("destinations and routes of the wrong type, or no destination, are one error each") {
  CHECK(errors_of(R"("destinations": [], "routes": [{"destination": "x"}])") ==
        "destinations: must be an object\nroutes: needs destinations to route to\n"
        "exactly one of upstream and spool must be configured (or destinations and routes)\n");
  CHECK(errors_of(std::string(kDestinations) + R"(, "routes": {})") == "routes: must be an array\n"
                                                                        "routes: is required with destinations (at least the default route, without domains)\n");
  CHECK(errors_of(R"("destinations": {}, "routes": [{"destination": "x"}])") ==
        "destinations: needs at least one destination\n"
        "routes[0].destination: no destination is named 'x' (none is configured)\n");
}

TEST_CASE("destinations replace the top-level upstream and spool, and routes need destinations") {
  CHECK(errors_of(std::string(R"("spool": "s", )") + kRoutes).find(
            "destinations: cannot be combined with the top-level upstream or spool") == 0);
  CHECK(errors_of(R"("spool": "s", "routes": [{"destination": "default"}])") ==
        "routes: needs destinations to route to\n");
  CHECK(errors_of(R"("threads": 1)").find("exactly one of upstream and spool") != std::string::npos);
}

#ifdef OPES_SOURCE_DIR
TEST_CASE("config/examples/routing.json loads: a local domain to the spool, the rest upstream") {
  auto config = load_config(std::filesystem::path(OPES_SOURCE_DIR) / "config" / "examples" / "routing.json");
  std::string errors;
  if (!config)
    for (const auto& error : config.error()) errors += error.describe() + "\n";
  REQUIRE_MESSAGE(config.has_value(), errors);
  const Routing& routing = config->routing;
  CHECK(routing.destinations[routing.destination_for("alice@example.org")].kind == DestinationKind::spool);
  CHECK(routing.destinations[routing.destination_for("bob@example.com")].kind == DestinationKind::upstream);
}
#endif
