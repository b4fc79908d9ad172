#include "config_source.hpp"

#include "default_config.hpp"

namespace opes::callout::daemon {

ConfigSource::ConfigSource(std::optional<std::filesystem::path> file,
                           std::optional<Listener> listen_override)
    : file_(std::move(file)), listen_override_(std::move(listen_override)) {}

ConfigResult ConfigSource::load() const {
  ConfigResult config =
      file_ ? load_config(*file_) : parse_config(default_config_text(), default_plugin_directory());
  if (config && listen_override_) config->listeners = {*listen_override_};
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
