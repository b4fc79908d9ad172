#pragma once
// The command line of opes-callout: which configuration to run, an optional
// listener that replaces the configured ones, the plugin folder, and the one-shot modes
// (--check-config, --version, --help).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/callout/config.hpp"

namespace opes::callout::daemon {

enum class Mode { serve, check_config, version, help };

struct CommandLine {
  Mode mode = Mode::serve;
  /// Absent: the configuration embedded at build time.
  std::optional<std::filesystem::path> config_file;
  /// --listen: one plain listener instead of the configured ones.
  std::optional<Listener> listen;
  /// --plugin-dir: the folder relative plugin paths are found in, whatever
  /// the configuration's plugin_dir says.
  std::optional<std::filesystem::path> plugin_dir;
};

/// Reads argv (without argv[0]). The error is one line for the operator,
/// e.g. "--listen: '1.2.3.4' has no :PORT".
ocp::Expected<CommandLine, std::string> parse_command_line(
    const std::vector<std::string_view>& arguments);

/// Reads "ADDR:PORT" or "[IPv6]:PORT"; ADDR must be an IP literal.
ocp::Expected<Listener, std::string> parse_listen_address(std::string_view text);

std::string usage_text();

}  // namespace opes::callout::daemon
