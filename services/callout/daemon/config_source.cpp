#include "config_source.hpp"

#include <cstdlib>

#include "default_config.hpp"

namespace opes::callout::daemon {

namespace {

/// $OPES_PLUGIN_DIR when set (relative to the working directory), else the
/// folder the plugins are installed in.
std::filesystem::path fallback_plugin_directory() {
  const char* variable = std::getenv("OPES_PLUGIN_DIR");
  if (variable && *variable) return std::filesystem::absolute(std::filesystem::path(variable));
  return default_plugin_directory();
}

}  // namespace

ConfigSource::ConfigSource(std::optional<std::filesystem::path> file,
                           std::optional<Listener> listen_override,
                           std::optional<std::filesystem::path> plugin_dir_override)
    : file_(std::move(file)),
      listen_override_(std::move(listen_override)),
      plugin_dir_override_(std::move(plugin_dir_override)) {}

ConfigResult ConfigSource::load() const {
  ConfigResult config = file_ ? load_config(*file_) : parse_config(default_config_text());
  if (!config) return config;
  if (listen_override_) config->listeners = {*listen_override_};
  resolve_plugin_paths(*config, plugin_dir_override_, fallback_plugin_directory());
  return config;
}

std::string ConfigSource::name() const {
  return file_ ? file_->string() : "built-in default";
}

std::string describe_config_errors(const ConfigSource& source,
                                   const std::vector<ConfigError>& errors) {
  std::string text;
  for (const ConfigError& error : errors) {
    // load_config names an unreadable file in the path; the prefix already does.
    const bool about_file = error.path == source.name();
    text += "opes-callout: config " + source.name() + ": " +
            (about_file ? error.reason : error.describe()) + "\n";
  }
  return text;
}

}  // namespace opes::callout::daemon
