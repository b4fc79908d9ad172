// The `odmr` settings (odmr_config.cpp): the hold queue as a destination
// routed for every customer domain, those domains as relay domains, the
// odmr listener's port and AUTH, and every error naming its key.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "opes/proxy/config.hpp"
#include "opes/proxy/relay_decision.hpp"

namespace {

using opes::proxy::DestinationKind;
using opes::proxy::ListenerProtocol;
using opes::proxy::parse_config;

/// A folder with a customers file, removed at the end.
struct Folder {
  std::filesystem::path path;
  explicit Folder(std::string_view customers = "cust:{PLAIN}secret:example.org,Example.COM\n") {
    path = std::filesystem::temp_directory_path() / ("opes-odmr-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    std::ofstream(path / "customers") << customers;
  }
  ~Folder() { std::filesystem::remove_all(path); }
};

std::string document(std::string_view listeners, std::string_view odmr, std::string_view extra = "") {
  return std::string(R"({"listeners": )") + std::string(listeners) + R"(, "odmr": )" + std::string(odmr) +
         "," + std::string(extra) + R"(
     "upstream": {"address": "127.0.0.1", "port": 10025, "starttls": "off"},
     "relay": {"clients": ["127.0.0.0/8"]},
     "callout": {"servers": [{"address": "127.0.0.1"}],
                 "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]},
                                    {"name": "release", "services": [{"uri": "urn:x:r"}]}]}})";
}

std::string errors_of(const opes::proxy::ConfigResult& config) {
  if (config) return "";
  std::string all;
  for (const auto& error : config.error()) all += error.describe() + "\n";
  return all;
}

constexpr std::string_view kListeners = R"([{"port": 0}, {"protocol": "odmr"}])";

}  // namespace

TEST_CASE("odmr: customer domains go to the hold queue, every other recipient upstream") {
  Folder folder;
  auto config = parse_config(document(kListeners, R"({"customers": "customers"})"), folder.path);
  REQUIRE_MESSAGE(config, errors_of(config));
  const auto& routing = config->routing;
  const std::size_t held = routing.destination_for("user@example.org");
  CHECK(routing.destinations[held].kind == DestinationKind::hold);
  CHECK(routing.destinations[held].name == "odmr-hold");
  CHECK(routing.destination_for("user@EXAMPLE.com") == held);
  CHECK(routing.destinations[routing.destination_for("user@example.net")].kind == DestinationKind::upstream);
  CHECK(routing.destinations[routing.destination_for("user@sub.example.org")].kind == DestinationKind::upstream);
  CHECK_FALSE(routing.only_destination());
  // The gateway is the MX of its customers' domains: anyone may send there.
  CHECK(opes::proxy::decide_relay(config->relay, "192.0.2.7", "user@example.org") ==
        opes::proxy::RelayVerdict::permitted);
  CHECK(opes::proxy::decide_relay(config->relay, "192.0.2.7", "user@example.net") ==
        opes::proxy::RelayVerdict::not_local);
}

TEST_CASE("odmr: the defaults, the listener on port 366 with CRAM-MD5, PLAIN and LOGIN from the customers file") {
  Folder folder;
  auto config = parse_config(document(kListeners, R"({"customers": "customers"})"), folder.path);
  REQUIRE_MESSAGE(config, errors_of(config));
  REQUIRE(config->odmr);
  const auto& odmr = *config->odmr;
  CHECK(odmr.queue == folder.path / "hold");
  CHECK(odmr.atrn_interval.count() == 60);
  CHECK_FALSE(odmr.reverse_without_mail);
  CHECK(odmr.max_hold.count() == 5 * 86400);
  CHECK(odmr.delay_warning.count() == 0);
  CHECK(odmr.release_service_group.empty());
  const auto& listener = config->listeners[1];
  CHECK(listener.protocol == ListenerProtocol::odmr);
  CHECK(listener.port == 366);
  REQUIRE(listener.auth);
  CHECK(listener.auth->mechanisms.size() == 3);
  CHECK(listener.auth->mechanisms.front() == opes::sasl::Mechanism::cram_md5);
  REQUIRE(listener.auth->credentials);
  CHECK(listener.auth->credentials->find("cust") != nullptr);
  CHECK_FALSE(listener.auth->required);
}

TEST_CASE("odmr: every setting is read") {
  Folder folder;
  auto config = parse_config(
      document(R"([{"port": 0}, {"protocol": "odmr", "port": 10366}])",
               R"({"customers": "customers", "queue": "/var/spool/opes/hold", "atrn_interval_seconds": 0,
                   "no_mail": "reverse", "max_hold_seconds": 3600, "delay_warning_seconds": 600,
                   "sweep_interval_seconds": 5, "reply_timeout_seconds": 30,
                   "release_service_group": "release"})"),
      folder.path);
  REQUIRE_MESSAGE(config, errors_of(config));
  const auto& odmr = *config->odmr;
  CHECK(odmr.queue == "/var/spool/opes/hold");
  CHECK(odmr.atrn_interval.count() == 0);
  CHECK(odmr.reverse_without_mail);
  CHECK(odmr.max_hold.count() == 3600);
  CHECK(odmr.delay_warning.count() == 600);
  CHECK(odmr.sweep_interval.count() == 5);
  CHECK(odmr.reply_timeout.count() == 30);
  CHECK(odmr.release_service_group == "release");
  CHECK(config->listeners[1].port == 10366);
}

TEST_CASE("odmr: errors name their key") {
  Folder folder;
  auto errors = [&](std::string_view listeners, std::string_view odmr, std::string_view extra = "") {
    return errors_of(parse_config(document(listeners, odmr, extra), folder.path));
  };
  CHECK(errors(kListeners, R"({"customers": "missing"})").find("odmr.customers: cannot read") !=
        std::string::npos);
  CHECK(errors(kListeners, R"({})").find("odmr.customers") != std::string::npos);
  CHECK(errors(kListeners, R"({"customers": "customers", "no_mail": "250"})").find("odmr.no_mail") !=
        std::string::npos);
  CHECK(errors(kListeners, R"({"customers": "customers", "release_service_group": "nope"})")
            .find("odmr.release_service_group: no service group is named 'nope'") != std::string::npos);
  CHECK(errors(kListeners, R"({"customers": "customers", "max_hold_seconds": 60, "delay_warning_seconds": 60})")
            .find("odmr.delay_warning_seconds") != std::string::npos);
  CHECK(errors(R"([{"port": 0}, {"protocol": "odmr", "auth": {"mechanisms": ["PLAIN"]}}])",
               R"({"customers": "customers"})")
            .find("listeners[1].auth.mechanisms: an odmr listener must offer CRAM-MD5") != std::string::npos);
  CHECK(errors(R"([{"port": 0}, {"protocol": "odmr", "host": "allowed"}])", R"({"customers": "customers"})")
            .find("listeners[1].host") != std::string::npos);
}

TEST_CASE("odmr: an odmr listener needs the odmr settings, and a customer domain may not be routed elsewhere") {
  Folder folder;
  const std::string without = std::string(R"({"listeners": [{"protocol": "odmr"}],
     "upstream": {"address": "127.0.0.1", "port": 10025},
     "callout": {"servers": [{"address": "127.0.0.1"}],
                 "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]}]}})");
  CHECK(errors_of(parse_config(without, folder.path)).find("listeners[0].protocol: an odmr listener needs") !=
        std::string::npos);
  const std::string routed = std::string(R"({"listeners": [{"port": 0}],
     "odmr": {"customers": "customers"},
     "destinations": {"mx": {"upstream": {"address": "127.0.0.1", "port": 10025}}},
     "routes": [{"domains": ["example.org"], "destination": "mx"}, {"destination": "mx"}],
     "callout": {"servers": [{"address": "127.0.0.1"}],
                 "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]}]}})");
  CHECK(errors_of(parse_config(routed, folder.path)).find("'example.org' is a customer domain") !=
        std::string::npos);
}

TEST_CASE("config/examples/odmr.json loads with its test customer, and cust's domains are held") {
  auto config = opes::proxy::load_config(std::filesystem::path(OPES_SOURCE_DIR) / "config" / "examples" / "odmr.json");
  REQUIRE_MESSAGE(config, errors_of(config));
  REQUIRE(config->odmr);
  REQUIRE(config->odmr->customers);
  const auto* domains = config->odmr->customers->domains_of("cust");
  REQUIRE(domains);
  CHECK(*domains == std::vector<std::string>{"example.org", "example.com"});
  const auto& routing = config->routing;
  CHECK(routing.destinations[routing.destination_for("user@example.org")].kind == DestinationKind::hold);
  CHECK(config->listeners[1].protocol == ListenerProtocol::odmr);
  CHECK(config->odmr->release_service_group == "release");
}
