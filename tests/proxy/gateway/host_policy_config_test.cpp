// host_policy (host_policy_config.cpp) and listeners[].host, and the pop3
// listener's rules (listener_config.cpp): every error names its key.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "opes/proxy/config.hpp"

namespace {

using opes::host::HostProtocol;
using opes::host::HostTls;
using opes::proxy::HostMode;
using opes::proxy::ListenerProtocol;
using opes::proxy::parse_config;

std::string document(std::string_view listeners, std::string_view host_policy, bool tls = false) {
  std::string text = std::string(R"({"listeners": )") + std::string(listeners) + ",";
  if (!host_policy.empty()) text += R"("host_policy": )" + std::string(host_policy) + ",";
  if (tls) text += R"("tls": {"certificate": "c.pem", "private_key": "k.pem"},)";
  return text + R"("spool": "/tmp/opes-spool",
            "callout": {"servers": [{"address": "127.0.0.1"}],
                        "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]},
                                           {"name": "tenant-a", "services": [{"uri": "urn:x:t"}]}]}})";
}

std::string with_rule(std::string_view rule) {
  return R"({"rules": [)" + std::string(rule) + "]}";
}

std::string errors_of(const opes::proxy::ConfigResult& config) {
  if (config) return "";
  std::string all;
  for (const auto& error : config.error()) all += error.describe() + "\n";
  return all;
}

std::string rule_errors(std::string_view rule) {
  return errors_of(parse_config(document(R"([{"port": 0}])", with_rule(rule))));
}

/// A folder with a readable ca.pem, removed at the end.
struct Folder {
  std::filesystem::path path;
  Folder() {
    path = std::filesystem::temp_directory_path() / ("opes-host-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    std::ofstream(path / "ca.pem") << "not checked here\n";
  }
  ~Folder() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("host_policy: absent is no rules with the documented defaults") {
  auto config = parse_config(document(R"([{"port": 0}])", ""));
  REQUIRE_MESSAGE(config, errors_of(config));
  const auto& policy = config->host_policy;
  CHECK(policy.rules.empty());
  CHECK_FALSE(policy.require_auth);
  CHECK(policy.max_attempts_per_client == 10);
  CHECK(policy.attempt_window == std::chrono::seconds(60));
  CHECK(policy.client_first_wait == std::chrono::milliseconds(300));
  CHECK(policy.resolve_timeout == std::chrono::seconds(10));
  CHECK(policy.connect_timeout == std::chrono::seconds(30));
  CHECK(config->listeners[0].host == HostMode::off);
}

TEST_CASE("host_policy: the full example is read") {
  Folder folder;
  const std::string policy = R"({
    "rules": [ {"name": "lab", "protocols": ["smtp"], "names": ["MX.Example.org", ".example.net"],
                "networks": ["192.0.2.0/24", "2001:db8::/32"], "ports": [25, 2525], "service_group": "tenant-a",
                "tls": "opportunistic", "verify": false, "ca_file": "ca.pem"},
               {"protocols": ["pop3"], "tls": "implicit"} ],
    "require_auth": false, "max_attempts_per_client": 5, "attempt_window_seconds": 120,
    "client_first_wait_ms": 0, "resolve_timeout_seconds": 3, "connect_timeout_seconds": 7 })";
  auto config = parse_config(document(R"([{"port": 0, "host": "allowed"}, {"port": 0, "protocol": "pop3"}])", policy),
                             folder.path);
  REQUIRE_MESSAGE(config, errors_of(config));
  const auto& p = config->host_policy;
  REQUIRE(p.rules.size() == 2);
  const auto& lab = p.rules[0];
  CHECK(lab.name == "lab");
  CHECK(lab.protocols == std::vector<HostProtocol>{HostProtocol::smtp});
  CHECK(lab.names == std::vector<std::string>{"mx.example.org", ".example.net"});
  REQUIRE(lab.networks.size() == 2);
  CHECK(lab.networks[1].text == "2001:db8::/32");
  CHECK(lab.ports == std::vector<std::uint16_t>{25, 2525});
  CHECK(lab.service_group == "tenant-a");
  CHECK(lab.tls == HostTls::opportunistic);
  CHECK_FALSE(lab.verify);
  CHECK(lab.ca_file == (folder.path / "ca.pem").string());
  CHECK(p.rules[1].name == "rule 2");
  CHECK(p.rules[1].tls == HostTls::implicit);
  CHECK_FALSE(p.rules[1].tls == std::nullopt);
  CHECK(p.max_attempts_per_client == 5);
  CHECK(p.attempt_window == std::chrono::seconds(120));
  CHECK(p.client_first_wait == std::chrono::milliseconds(0));
  CHECK(p.resolve_timeout == std::chrono::seconds(3));
  CHECK(p.connect_timeout == std::chrono::seconds(7));
  CHECK(config->listeners[0].host == HostMode::allowed);
  CHECK(config->listeners[1].protocol == ListenerProtocol::pop3);
  CHECK(config->listeners[1].host == HostMode::required);
}

TEST_CASE("host_policy: rule errors name their key") {
  CHECK(rule_errors(R"({"names": ["bad_name.org"]})") ==
        "host_policy.rules[0].names[0]: must be a domain or .domain (every name below it)\n");
  CHECK(rule_errors(R"({"names": ["[192.0.2.1]"]})") ==
        "host_policy.rules[0].names[0]: must be a domain or .domain (every name below it)\n");
  CHECK(rule_errors(R"({"networks": ["192.0.2.0/33"]})") ==
        "host_policy.rules[0].networks[0]: must be an address or address/bits\n");
  CHECK(rule_errors(R"({"ports": [0]})") == "host_policy.rules[0].ports[0]: must be an integer from 1 to 65535\n");
  CHECK(rule_errors(R"({"ports": [25, 65536]})") ==
        "host_policy.rules[0].ports[1]: must be an integer from 1 to 65535\n");
  CHECK(rule_errors(R"({"ports": ["25"]})") == "host_policy.rules[0].ports[0]: must be an integer from 1 to 65535\n");
  CHECK(rule_errors(R"({"ports": []})") ==
        "host_policy.rules[0].ports: needs at least one port (leave it out for the standard ports)\n");
  CHECK(rule_errors(R"({"protocols": ["http"]})") == "host_policy.rules[0].protocols[0]: must be one of smtp, pop3, imap\n");
  CHECK(rule_errors(R"({"protocols": ["smtp", "smtp"]})") ==
        "host_policy.rules[0].protocols[1]: 'smtp' is listed twice\n");
  CHECK(rule_errors(R"({"service_group": "nobody"})") ==
        "host_policy.rules[0].service_group: no service group is named 'nobody'\n");
  CHECK(rule_errors(R"({"tls": "always"})") ==
        "host_policy.rules[0].tls: must be one of off, opportunistic, starttls, implicit\n");
  CHECK(rule_errors(R"({"tls": "implicit"})") ==
        "host_policy.rules[0].tls: implicit needs protocols without smtp (SMTP delivery has no implicit TLS)\n");
  CHECK(rule_errors(R"({"protocols": ["smtp", "pop3"], "tls": "implicit"})") ==
        "host_policy.rules[0].tls: implicit needs protocols without smtp (SMTP delivery has no implicit TLS)\n");
  CHECK(rule_errors(R"({"protocols": ["pop3", "imap"], "tls": "implicit"})") == "");
  CHECK(rule_errors(R"({"tls": "opportunistic"})") ==
        "host_policy.rules[0].tls: opportunistic needs protocols [\"smtp\"] (it is SMTP only)\n");
  CHECK(rule_errors(R"({"protocols": ["pop3"], "tls": "opportunistic"})") ==
        "host_policy.rules[0].tls: opportunistic needs protocols [\"smtp\"] (it is SMTP only)\n");
  CHECK(rule_errors(R"({"protocols": ["smtp"], "tls": "starttls"})") == "");
  CHECK(rule_errors(R"({"ca_file": "/nonexistent/ca.pem"})") ==
        "host_policy.rules[0].ca_file: cannot read /nonexistent/ca.pem\n");
  CHECK(rule_errors(R"({"ca_file": "/tmp"})") == "host_policy.rules[0].ca_file: cannot read /tmp\n");
  CHECK(rule_errors(R"({"colour": "blue"})") == "host_policy.rules[0].colour: unknown key\n");
  CHECK(rule_errors(R"({"name": ""})") == "host_policy.rules[0].name: must not be empty\n");
  CHECK(rule_errors(R"({"name": "a"}, {"name": "a"})") == "host_policy.rules[1].name: 'a' is used twice\n");
}

TEST_CASE("host_policy: top-level errors name their key") {
  const auto errors = [](std::string_view policy) {
    return errors_of(parse_config(document(R"([{"port": 0}])", policy)));
  };
  CHECK(errors(R"({"rules": {}})").find("host_policy.rules") != std::string::npos);
  CHECK(errors(R"({"surprise": 1})") == "host_policy.surprise: unknown key\n");
  CHECK(errors(R"({"require_auth": "yes"})").find("host_policy.require_auth") == 0);
  CHECK(errors(R"({"max_attempts_per_client": -1})").find("host_policy.max_attempts_per_client") == 0);
  CHECK(errors(R"({"attempt_window_seconds": 0})").find("host_policy.attempt_window_seconds") == 0);
  CHECK(errors(R"({"client_first_wait_ms": 10001})").find("host_policy.client_first_wait_ms") == 0);
  CHECK(errors(R"({"resolve_timeout_seconds": 0})").find("host_policy.resolve_timeout_seconds") == 0);
  CHECK(errors(R"({"connect_timeout_seconds": 0})").find("host_policy.connect_timeout_seconds") == 0);
  CHECK(errors(R"({"max_attempts_per_client": 0})") == "");
}

TEST_CASE("listeners: host mode, and host needs rules") {
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "host": "sometimes"}])", with_rule("{}")))) ==
        "listeners[0].host: must be one of off, allowed, required\n");
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "host": "required"}])", ""))) ==
        "listeners[0].host: host needs host_policy.rules\n");
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "protocol": "pop3"}])", ""))) ==
        "listeners[0].host: host needs host_policy.rules\n");
  auto required = parse_config(document(R"([{"port": 0, "host": "required"}])", with_rule("{}")));
  REQUIRE_MESSAGE(required, errors_of(required));
  CHECK(required->listeners[0].host == HostMode::required);
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "host": "off"}])", ""))) == "");
}

TEST_CASE("listeners: a pop3 listener is always host required and has no auth") {
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "protocol": "pop3", "host": "off"}])", with_rule("{}")))) ==
        "listeners[0].host: a pop3 listener is always required (POP3 has no server of its own)\n");
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "protocol": "pop3", "host": "allowed"}])", with_rule("{}")))) ==
        "listeners[0].host: a pop3 listener is always required (POP3 has no server of its own)\n");
  CHECK(errors_of(parse_config(
            document(R"([{"port": 0, "protocol": "pop3", "auth": {"mechanisms": ["CRAM-MD5"]}}])", with_rule("{}"))))
            .find("listeners[0].auth: a pop3 listener has no auth (the client logs in to its server)\n") !=
        std::string::npos);
  auto pop3 = parse_config(document(R"([{"port": 0, "protocol": "pop3", "tls": "implicit"}])", with_rule("{}"), true));
  REQUIRE_MESSAGE(pop3, errors_of(pop3));
  CHECK(pop3->listeners[0].tls == opes::proxy::ListenerTls::implicit);
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "protocol": "pop3", "tls": "stls"}])", with_rule("{}")))) ==
        "listeners[0].tls: must be one of starttls, implicit, none\n");
}

TEST_CASE("host_policy: require_auth needs auth on every smtp listener with host") {
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "host": "allowed"}, {"port": 0}])",
                                        R"({"rules": [{}], "require_auth": true})"))) ==
        "listeners[0].auth: host_policy.require_auth needs auth on every listener with host\n");
  // A pop3 listener has no auth: require_auth is for SMTP.
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "protocol": "pop3"}])",
                                        R"({"rules": [{}], "require_auth": true})"))) == "");
}
