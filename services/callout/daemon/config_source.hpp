#pragma once
// Where the daemon's configuration comes from: a file or the built-in
// default, plus the --listen and --plugin-dir overrides. Read once at start
// and again on every SIGHUP, so a reload sees exactly what a restart would.

#include <filesystem>
#include <optional>
#include <string>

#include "opes/callout/config.hpp"

namespace opes::callout::daemon {

class ConfigSource {
 public:
  ConfigSource(std::optional<std::filesystem::path> file, std::optional<Listener> listen_override,
               std::optional<std::filesystem::path> plugin_dir_override = std::nullopt);

  /// Reads and checks the configuration, then applies the overrides and
  /// resolves the plugin paths (--plugin-dir, plugin_dir, $OPES_PLUGIN_DIR,
  /// the installed folder: the first that is set).
  ConfigResult load() const;

  /// For messages: the file name, or "built-in default".
  std::string name() const;

 private:
  std::optional<std::filesystem::path> file_;
  std::optional<Listener> listen_override_;
  std::optional<std::filesystem::path> plugin_dir_override_;
};

/// "opes-callout: config FILE: listeners[0].port: must be ..." per error.
std::string describe_config_errors(const ConfigSource& source,
                                   const std::vector<ConfigError>& errors);

}  // namespace opes::callout::daemon
