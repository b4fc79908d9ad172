#include "opes/callout/config.hpp"

#include "ocp/smtp/ehlo_keywords.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace opes::callout {

namespace {

using json = nlohmann::json;
using support::for_each_object;
using support::indexed;
using support::read_log_level;
using support::read_strings;

std::optional<TlsSettings> read_tls(JsonReader& listener) {
  const json* object = listener.value("tls", json::value_t::object, false);
  if (!object) return std::nullopt;
  JsonReader reader = listener.nested(*object, listener.path_of("tls"));
  TlsSettings tls;
  tls.certificate_file = reader.string("certificate", true).value_or("");
  tls.private_key_file = reader.string("private_key", true).value_or("");
  tls.client_ca_file = reader.string("client_ca", false);
  tls.require_client_certificate = reader.boolean("require_client_certificate").value_or(false);
  if (tls.require_client_certificate && !tls.client_ca_file) {
    reader.fail(reader.path_of("require_client_certificate"), "needs client_ca");
  }
  reader.reject_unknown_keys();
  return tls;
}

void check_references(const CalloutConfig& config, JsonReader& reader) {
  std::set<std::string, std::less<>> plugin_names;
  for (std::size_t i = 0; i < config.plugins.size(); ++i) {
    if (!plugin_names.insert(config.plugins[i].name).second) {
      reader.fail(indexed("plugins", i) + ".name", "'" + config.plugins[i].name + "' is used twice");
    }
  }
  std::set<std::string, std::less<>> service_names;
  std::set<std::string, std::less<>> service_uris;
  for (std::size_t i = 0; i < config.services.size(); ++i) {
    const ServiceSettings& service = config.services[i];
    if (!service_names.insert(service.name).second) {
      reader.fail(indexed("services", i) + ".name", "'" + service.name + "' is used twice");
    }
    if (!service_uris.insert(service.uri).second) {
      reader.fail(indexed("services", i) + ".uri", "'" + service.uri + "' is used twice");
    }
    if (!plugin_names.contains(service.plugin)) {
      reader.fail(indexed("services", i) + ".plugin", "no plugin named '" + service.plugin + "'");
    }
  }
  const auto check_profile = [&](const std::vector<std::string>& names, const char* profile) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!service_names.contains(names[i])) {
        reader.fail(indexed(std::string("profiles.") + profile, i), "no service named '" + names[i] + "'");
      }
    }
  };
  check_profile(config.profiles.receiver, "receiver");
  check_profile(config.profiles.sender, "sender");
}

/// "plugins" and "plugin_dir". Plugin paths name shared objects in the
/// plugin folder, so a configuration does not depend on where it was built.
void read_plugins(JsonReader& reader, CalloutConfig& config,
                  const std::filesystem::path& base_directory) {
  if (auto folder = reader.string("plugin_dir", false)) {
    std::filesystem::path dir(*folder);
    if (dir.empty()) {
      reader.fail("plugin_dir", "must not be empty");
    } else {
      config.plugin_dir = dir.is_relative() && !base_directory.empty() ? base_directory / dir : dir;
    }
  }
  for_each_object(reader, "plugins", false, [&](JsonReader& item, std::size_t) {
    PluginSettings plugin;
    plugin.name = item.string("name", true).value_or("");
    plugin.path = item.string("path", true).value_or("");
    plugin.optional = item.boolean("optional").value_or(false);
    config.plugins.push_back(std::move(plugin));
  });
}

}  // namespace

void resolve_plugin_paths(CalloutConfig& config,
                          const std::optional<std::filesystem::path>& command_line,
                          const std::filesystem::path& fallback) {
  const std::filesystem::path dir =
      command_line ? *command_line : config.plugin_dir.value_or(fallback);
  for (PluginSettings& plugin : config.plugins) {
    const std::filesystem::path path(plugin.path);
    if (path.is_relative() && !dir.empty()) plugin.path = (dir / path).string();
  }
  config.plugin_dir = dir;
}

const ServiceSettings* CalloutConfig::find_service(std::string_view name) const {
  const auto it = std::find_if(services.begin(), services.end(),
                               [&](const ServiceSettings& service) { return service.name == name; });
  return it == services.end() ? nullptr : &*it;
}

ConfigResult parse_config(std::string_view json_text, const std::filesystem::path& base_directory) {
  const json document = json::parse(json_text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (document.is_discarded()) {
    return ocp::unexpected(std::vector<ConfigError>{{"", "not valid JSON"}});
  }
  JsonReader reader(document, "");
  if (!reader.is_object()) return ocp::unexpected(reader.errors());

  CalloutConfig config;
  config.threads = static_cast<unsigned>(reader.integer("threads", 1, 256, false).value_or(2));
  config.log_level = read_log_level(reader);
  config.log_output = support::read_log_output(reader);

  for_each_object(reader, "listeners", true, [&](JsonReader& item, std::size_t) {
    Listener listener;
    listener.address = item.string("address", false).value_or("127.0.0.1");
    listener.port = static_cast<std::uint16_t>(item.integer("port", 0, 65535, true).value_or(0));
    listener.tls = read_tls(item);
    config.listeners.push_back(std::move(listener));
  });
  if (const auto listeners = document.find("listeners");
      listeners != document.end() && listeners->is_array() && listeners->empty()) {
    reader.fail("listeners", "needs at least one listener");
  }

  read_plugins(reader, config, base_directory);

  for_each_object(reader, "services", false, [&](JsonReader& item, std::size_t) {
    ServiceSettings service;
    service.name = item.string("name", true).value_or("");
    service.uri = item.string("uri", true).value_or("");
    service.plugin = item.string("plugin", true).value_or("");
    service.service = item.string("service", false).value_or(service.name);
    if (const json* options = item.value("options", json::value_t::object, false)) {
      service.options = *options;
    }
    service.ehlo_keywords = read_strings(item, "ehlo_keywords");
    for (std::size_t k = 0; k < service.ehlo_keywords.size(); ++k) {
      if (!ocp::smtp::is_ehlo_keyword(service.ehlo_keywords[k])) {
        item.fail(indexed(item.path_of("ehlo_keywords"), k),
                  "'" + service.ehlo_keywords[k] + "' is not an EHLO keyword (RFC 2821 4.1.1.1)");
      }
    }
    config.services.push_back(std::move(service));
  });

  if (const json* profiles = reader.value("profiles", json::value_t::object, false)) {
    JsonReader routing = reader.nested(*profiles, "profiles");
    config.profiles.receiver = read_strings(routing, "receiver");
    config.profiles.sender = read_strings(routing, "sender");
    routing.reject_unknown_keys();
  }

  if (const json* limits = reader.value("limits", json::value_t::object, false)) {
    JsonReader item = reader.nested(*limits, "limits");
    Limits& l = config.limits;
    l.max_connections = static_cast<std::uint32_t>(
        item.integer("max_connections", 1, 1'000'000, false).value_or(l.max_connections));
    l.max_transactions_per_connection = static_cast<std::uint32_t>(
        item.integer("max_transactions_per_connection", 1, 100'000, false)
            .value_or(l.max_transactions_per_connection));
    l.max_service_groups_per_connection = static_cast<std::uint32_t>(
        item.integer("max_service_groups_per_connection", 1, 10'000, false)
            .value_or(l.max_service_groups_per_connection));
    l.max_message_size = static_cast<std::uint64_t>(
        item.integer("max_message_size", 1024, 1ll << 31, false).value_or(l.max_message_size));
    l.max_buffered_part = static_cast<std::uint64_t>(
        item.integer("max_buffered_part", 1024, 1ll << 34, false).value_or(l.max_buffered_part));
    item.reject_unknown_keys();
  }

  if (const json* timeouts = reader.value("timeouts", json::value_t::object, false)) {
    JsonReader item = reader.nested(*timeouts, "timeouts");
    Timeouts& t = config.timeouts;
    const auto seconds = [&](std::string_view key, std::chrono::seconds fallback) {
      return std::chrono::seconds(item.integer(key, 1, 86'400, false).value_or(fallback.count()));
    };
    t.idle_connection = seconds("idle_connection_seconds", t.idle_connection);
    t.negotiation = seconds("negotiation_seconds", t.negotiation);
    t.transaction = seconds("transaction_seconds", t.transaction);
    item.reject_unknown_keys();
  }

  reader.reject_unknown_keys();
  check_references(config, reader);
  if (!reader.errors().empty()) return ocp::unexpected(reader.errors());
  return config;
}

ConfigResult load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ocp::unexpected(std::vector<ConfigError>{{file.string(), "cannot be read"}});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.parent_path());
}

}  // namespace opes::callout
