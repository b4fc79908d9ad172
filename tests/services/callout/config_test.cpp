// The callout server's configuration: what it accepts, and that every
// mistake is reported with the key path that holds it.

#include <doctest/doctest.h>

#include <algorithm>

#include "opes/callout/config.hpp"

namespace opes::callout {

namespace {

std::vector<std::string> errors_of(std::string_view text) {
  auto config = parse_config(text);
  REQUIRE_FALSE(config);
  std::vector<std::string> described;
  for (const ConfigError& error : config.error()) described.push_back(error.describe());
  return described;
}

bool contains(const std::vector<std::string>& errors, std::string_view wanted) {
  return std::find(errors.begin(), errors.end(), wanted) != errors.end();
}

constexpr std::string_view kComplete = R"({
  "threads": 4,
  "log_level": "info",
  "listeners": [
    {"address": "127.0.0.1", "port": 10344},
    {"address": "::1", "port": 10345,
     "tls": {"certificate": "c.pem", "private_key": "k.pem", "client_ca": "ca.pem",
             "require_client_certificate": true}}
  ],
  "plugins": [{"name": "stamp", "path": "plugins/libheader-stamp.so"}],
  "services": [{"name": "stamp", "uri": "urn:opes-smtp:header-stamp", "plugin": "stamp",
                "options": {"header": "X-Stamped: yes"}}],
  "profiles": {"receiver": ["stamp"], "sender": []},
  "limits": {"max_connections": 10, "max_message_size": 65536},
  "timeouts": {"idle_connection_seconds": 60}
})";

}  // namespace

TEST_CASE("a complete configuration is read into every field") {
  auto config = parse_config(kComplete, "/etc/opes");
  REQUIRE(config);
  CHECK(config->threads == 4);
  CHECK(config->log_level == LogLevel::info);
  REQUIRE(config->listeners.size() == 2);
  CHECK(config->listeners[0].port == 10344);
  CHECK_FALSE(config->listeners[0].tls);
  REQUIRE(config->listeners[1].tls);
  CHECK(config->listeners[1].tls->require_client_certificate);
  // As written: resolve_plugin_paths finds it in the plugin folder.
  CHECK(config->plugins[0].path == "plugins/libheader-stamp.so");
  CHECK_FALSE(config->plugins[0].optional);
  CHECK_FALSE(config->plugin_dir);
  const ServiceSettings* stamp = config->find_service("stamp");
  REQUIRE(stamp);
  CHECK(stamp->service == "stamp");
  CHECK(stamp->options["header"] == "X-Stamped: yes");
  CHECK(config->profiles.receiver == std::vector<std::string>{"stamp"});
  CHECK(config->limits.max_connections == 10);
  CHECK(config->limits.max_transactions_per_connection == 256);
  CHECK(config->timeouts.idle_connection == std::chrono::seconds(60));
  CHECK(config->timeouts.negotiation == std::chrono::seconds(30));
}

TEST_CASE("unknown keys are refused with their path") {
  const auto errors = errors_of(R"({"listeners": [{"port": 1, "prot": 2}], "thread": 2,
                                   "limits": {"max_conections": 1}})");
  CHECK(contains(errors, "listeners[0].prot: unknown key"));
  CHECK(contains(errors, "thread: unknown key"));
  CHECK(contains(errors, "limits.max_conections: unknown key"));
}

TEST_CASE("wrong types and ranges are refused with their path") {
  const auto errors = errors_of(R"({"threads": "2", "listeners": [{"port": 70000},
                                   {"port": 1, "tls": {"certificate": 5}}],
                                   "log_level": "loud", "timeouts": {"negotiation_seconds": 0}})");
  CHECK(contains(errors, "threads: must be an integer"));
  CHECK(contains(errors, "listeners[0].port: must be an integer from 0 to 65535"));
  CHECK(contains(errors, "listeners[1].tls.certificate: must be a string"));
  CHECK(contains(errors, "listeners[1].tls.private_key: is required"));
  CHECK(contains(errors, "log_level: must be one of error, warning, info, debug"));
  CHECK(contains(errors, "timeouts.negotiation_seconds: must be an integer from 1 to 86400"));
}

TEST_CASE("references between sections must resolve") {
  const auto errors = errors_of(R"({"listeners": [{"port": 1}],
     "plugins": [{"name": "p", "path": "/x.so"}, {"name": "p", "path": "/y.so"}],
     "services": [{"name": "s", "uri": "urn:s", "plugin": "q"}],
     "profiles": {"receiver": ["s", "t"]}})");
  CHECK(contains(errors, "plugins[1].name: 'p' is used twice"));
  CHECK(contains(errors, "services[0].plugin: no plugin named 'q'"));
  CHECK(contains(errors, "profiles.receiver[1]: no service named 't'"));
}

TEST_CASE("the document itself must be a JSON object with a listener") {
  CHECK(errors_of("{") == std::vector<std::string>{"not valid JSON"});
  CHECK(errors_of("[]") == std::vector<std::string>{"must be an object"});
  CHECK(contains(errors_of("{}"), "listeners: is required"));
  CHECK(contains(errors_of(R"({"listeners": []})"), "listeners: needs at least one listener"));
  CHECK(contains(errors_of(R"({"listeners": [{"port": 1, "tls": {"certificate": "c", "private_key": "k",
      "require_client_certificate": true}}]})"),
                 "listeners[0].tls.require_client_certificate: needs client_ca"));
}

TEST_CASE("relative plugin paths are found in the plugin folder, absolute ones stay") {
  auto config = parse_config(R"({"listeners": [{"port": 1}], "plugin_dir": "lib",
      "plugins": [{"name": "a", "path": "a.so"},
                  {"name": "b", "path": "/opt/b.so", "optional": true}]})",
                             "/etc/opes");
  REQUIRE(config);
  CHECK(config->plugin_dir == std::filesystem::path("/etc/opes/lib"));
  CHECK(config->plugins[1].optional);
  CalloutConfig from_key = *config;
  resolve_plugin_paths(from_key, std::nullopt, "/usr/lib/opes-smtp/plugins");
  CHECK(from_key.plugins[0].path == "/etc/opes/lib/a.so");
  CHECK(from_key.plugins[1].path == "/opt/b.so");
  CalloutConfig from_command_line = *config;
  resolve_plugin_paths(from_command_line, std::filesystem::path("/build/plugins"),
                       "/usr/lib/opes-smtp/plugins");
  CHECK(from_command_line.plugins[0].path == "/build/plugins/a.so");
  CHECK(from_command_line.plugin_dir == std::filesystem::path("/build/plugins"));
}

TEST_CASE("without plugin_dir the fallback folder is used") {
  auto config =
      parse_config(R"({"listeners": [{"port": 1}], "plugins": [{"name": "a", "path": "a.so"}]})");
  REQUIRE(config);
  resolve_plugin_paths(*config, std::nullopt, "/usr/lib/opes-smtp/plugins");
  CHECK(config->plugins[0].path == "/usr/lib/opes-smtp/plugins/a.so");
}

TEST_CASE("plugin_dir and optional are checked") {
  const auto errors = errors_of(R"({"listeners": [{"port": 1}], "plugin_dir": "",
      "plugins": [{"name": "a", "path": "a.so", "optional": "yes"}]})");
  CHECK(contains(errors, "plugin_dir: must not be empty"));
  CHECK(contains(errors, "plugins[0].optional: must be true or false"));
}

TEST_CASE("log_format and log_timestamps: plain and off by default, syslog and on when asked") {
  constexpr std::string_view kBase = R"({"listeners": [{"port": 1}])";
  auto defaults = parse_config(std::string(kBase) + "}");
  REQUIRE(defaults);
  CHECK(defaults->log_output.format == support::LogFormat::plain);
  CHECK_FALSE(defaults->log_output.timestamps);
  auto syslog = parse_config(std::string(kBase) + R"(, "log_format": "syslog", "log_timestamps": true})");
  REQUIRE(syslog);
  CHECK(syslog->log_output.format == support::LogFormat::syslog);
  CHECK(syslog->log_output.timestamps);
  auto bad = parse_config(std::string(kBase) + R"(, "log_format": "json", "log_timestamps": "yes"})");
  REQUIRE_FALSE(bad);
  std::vector<std::string> errors;
  for (const ConfigError& error : bad.error()) errors.push_back(error.describe());
  CHECK(std::find(errors.begin(), errors.end(), "log_format: must be plain or syslog") != errors.end());
  CHECK(std::count_if(errors.begin(), errors.end(),
                      [](const std::string& e) { return e.rfind("log_timestamps:", 0) == 0; }) == 1);
}

}  // namespace opes::callout
