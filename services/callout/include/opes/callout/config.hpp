#pragma once
// The callout server's configuration: what it listens on, which plugins it
// loads, the services built from them, which services may run for each SMTP
// profile, and the limits and timeouts that bound what a peer can make it do.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocp/expected.hpp"
#include "opes/callout/json_reader.hpp"
#include "opes/support/log.hpp"

namespace opes::callout {

struct TlsSettings {
  std::string certificate_file;
  std::string private_key_file;
  std::optional<std::string> client_ca_file;  // verify client certificates against it
  bool require_client_certificate = false;
};

struct Listener {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (printed at start)
  std::optional<TlsSettings> tls;
};

struct PluginSettings {
  std::string name;  // how services refer to it
  // The shared object: absolute, or relative to the plugin folder
  // (resolve_plugin_paths).
  std::string path;
  // A plugin that cannot be loaded is left out with a warning instead of
  // refusing the configuration.
  bool optional = false;
};

struct ServiceSettings {
  std::string name;     // how profiles and logs refer to it
  std::string uri;      // the OPES service id a processor names in SGC (RFC 4037 §10.13)
  std::string plugin;   // a PluginSettings::name
  std::string service;  // the service's name inside the plugin
  nlohmann::json options = nlohmann::json::object();  // passed to the plugin as JSON text
  // SMTP service extensions the service understands (smtp §3.4.1): the NR's
  // Extensions. A plugin descriptor cannot declare them, the operator can.
  std::vector<std::string> ehlo_keywords;
};

/// Which services may run under each SMTP profile, in application order.
struct ProfileRouting {
  std::vector<std::string> receiver;
  std::vector<std::string> sender;
};

struct Limits {
  std::uint32_t max_connections = 1024;
  std::uint32_t max_transactions_per_connection = 256;
  std::uint32_t max_service_groups_per_connection = 16;
  std::uint64_t max_message_size = 16u << 20;  // one OCP message
  // Content a transaction holds in memory: a part a service asked to see
  // whole, or content kept to answer an adaptive part or to feed the next
  // service of a chain. A message that needs more is refused with 552
  // 5.3.4 naming the limit (TE 400 with that reply in its result only
  // where no answer may carry it).
  std::uint64_t max_buffered_part = 64u << 20;
};

struct Timeouts {
  std::chrono::seconds idle_connection{300};
  std::chrono::seconds negotiation{30};
  std::chrono::seconds transaction{120};
};

using LogLevel = support::LogLevel;

struct CalloutConfig {
  unsigned threads = 2;
  std::vector<Listener> listeners;
  std::vector<PluginSettings> plugins;
  std::vector<ServiceSettings> services;
  ProfileRouting profiles;
  Limits limits;
  Timeouts timeouts;
  LogLevel log_level = LogLevel::warning;
  support::LogOutput log_output;  // log_format, log_timestamps
  // The plugin_dir key, relative to the configuration file's folder; after
  // resolve_plugin_paths, the folder in force.
  std::optional<std::filesystem::path> plugin_dir;

  const ServiceSettings* find_service(std::string_view name) const;
};

using ConfigResult = ocp::Expected<CalloutConfig, std::vector<ConfigError>>;

/// Parses and checks a configuration document. Every problem is reported,
/// each naming its key path; a relative plugin_dir is taken relative to
/// `base_directory`. Plugin paths stay as written until resolve_plugin_paths.
ConfigResult parse_config(std::string_view json_text, const std::filesystem::path& base_directory = {});
ConfigResult load_config(const std::filesystem::path& file);

/// The plugin folder in force: `command_line` (--plugin-dir) when given,
/// else the configuration's plugin_dir, else `fallback` (OPES_PLUGIN_DIR, or
/// the installed folder). Relative plugin paths are made absolute under it,
/// and config.plugin_dir names it.
void resolve_plugin_paths(CalloutConfig& config,
                          const std::optional<std::filesystem::path>& command_line,
                          const std::filesystem::path& fallback);

}  // namespace opes::callout
