#pragma once
// Where the daemon's configuration comes from: a file or the built-in
// default, plus the --listen override. Read once at start and again on
// every SIGHUP, so a reload sees exactly what a restart would.

#include <filesystem>
#include <optional>
#include <string>

#include "opes/callout/config.hpp"

namespace opes::callout::daemon {

class ConfigSource {
 public:
  ConfigSource(std::optional<std::filesystem::path> file, std::optional<Listener> listen_override);

  /// Reads and checks the configuration, then applies the override.
  ConfigResult load() const;

  /// For messages: the file name, or "built-in default".
  std::string name() const;

 private:
  std::optional<std::filesystem::path> file_;
  std::optional<Listener> listen_override_;
};

/// "opes-callout: config FILE: listeners[0].port: must be ..." per error.
std::string describe_config_errors(const ConfigSource& source,
                                   const std::vector<ConfigError>& errors);

}  // namespace opes::callout::daemon
