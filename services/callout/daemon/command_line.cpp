#include "command_line.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "default_config.hpp"

namespace opes::callout::daemon {

namespace {

using Result = ocp::Expected<CommandLine, std::string>;

/// "--name=value" or "--name value"; advances `index` past what it used.
std::optional<std::string_view> option_value(const std::vector<std::string_view>& arguments,
                                             std::size_t& index, std::string_view name) {
  const std::string_view argument = arguments[index];
  if (argument.size() > name.size() && argument.substr(0, name.size()) == name &&
      argument[name.size()] == '=') {
    return argument.substr(name.size() + 1);
  }
  if (index + 1 >= arguments.size()) return std::nullopt;
  return arguments[++index];
}

bool names_option(std::string_view argument, std::string_view name) {
  return argument == name ||
         (argument.size() > name.size() && argument.substr(0, name.size()) == name &&
          argument[name.size()] == '=');
}

}  // namespace

ocp::Expected<Listener, std::string> parse_listen_address(std::string_view text) {
  std::string_view address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return ocp::unexpected("'" + std::string(text) + "' lacks ']'");
    address = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return ocp::unexpected("'" + std::string(text) + "' has no :PORT");
    }
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return ocp::unexpected("'" + std::string(text) + "' has no :PORT");
    address = text.substr(0, colon);
    if (address.find(':') != std::string_view::npos) {
      return ocp::unexpected("'" + std::string(text) +
                             "': write an IPv6 address in brackets, [::1]:PORT");
    }
    port_text = text.substr(colon + 1);
  }

  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(std::string(address), ec);
  if (ec) return ocp::unexpected("'" + std::string(address) + "' is not an IP address");

  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return ocp::unexpected("'" + std::string(port_text) + "' is not a port from 0 to 65535");
  }
  return Listener{std::string(address), static_cast<std::uint16_t>(port), std::nullopt};
}

ocp::Expected<CommandLine, std::string> parse_command_line(
    const std::vector<std::string_view>& arguments) {
  CommandLine command;
  bool mode_given = false;
  const auto set_mode = [&](Mode mode, std::string_view option) -> std::optional<std::string> {
    if (mode_given && command.mode != mode)
      return std::string(option) + " cannot be combined with another mode";
    command.mode = mode;
    mode_given = true;
    return std::nullopt;
  };

  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view argument = arguments[i];
    if (argument == "--help" || argument == "-h") {
      // Help wins over everything else on the line.
      command.mode = Mode::help;
      return command;
    }
    if (argument == "--version") {
      if (auto error = set_mode(Mode::version, argument)) return ocp::unexpected(*error);
    } else if (argument == "--check-config") {
      if (auto error = set_mode(Mode::check_config, argument)) return ocp::unexpected(*error);
    } else if (names_option(argument, "--config")) {
      const auto value = option_value(arguments, i, "--config");
      if (!value || value->empty()) return ocp::unexpected(std::string("--config needs a FILE"));
      if (command.config_file) return ocp::unexpected(std::string("--config given twice"));
      command.config_file = std::filesystem::path(*value);
    } else if (names_option(argument, "--listen")) {
      const auto value = option_value(arguments, i, "--listen");
      if (!value) return ocp::unexpected(std::string("--listen needs ADDR:PORT"));
      if (command.listen) return ocp::unexpected(std::string("--listen given twice"));
      auto listener = parse_listen_address(*value);
      if (!listener) return ocp::unexpected("--listen: " + listener.error());
      command.listen = std::move(*listener);
    } else if (names_option(argument, "--plugin-dir")) {
      const auto value = option_value(arguments, i, "--plugin-dir");
      if (!value || value->empty()) return ocp::unexpected(std::string("--plugin-dir needs a DIR"));
      if (command.plugin_dir) return ocp::unexpected(std::string("--plugin-dir given twice"));
      command.plugin_dir = std::filesystem::absolute(std::filesystem::path(*value));
    } else {
      return ocp::unexpected("unknown argument '" + std::string(argument) + "'");
    }
  }
  return command;
}

std::string usage_text() {
  return "usage: opes-callout [--config FILE] [--listen ADDR:PORT] [--plugin-dir DIR]\n"
         "                    [--check-config]\n"
         "       opes-callout --version | --help\n"
         "\n"
         "The OPES callout server: answers OCP connections from OPES processors\n"
         "(RFC 4037, SMTP profile of draft-ietf-opes-smtp-00) and runs each mail\n"
         "transaction through the configured adaptation plugins.\n"
         "\n"
         "  --config FILE      JSON configuration (docs/callout-server.md). Without it,\n"
         "                     the default built in (config/opes-callout.json).\n"
         "  --listen ADDR:PORT one plain listener instead of the configured ones;\n"
         "                     IPv6 as [::1]:PORT; port 0 picks a free port\n"
         "  --plugin-dir DIR   where relative plugin paths are found, instead of the\n"
         "                     configuration's plugin_dir, $OPES_PLUGIN_DIR or\n"
         "                     " + default_plugin_directory().string() + "\n"
         "  --check-config     load the configuration and the plugins, report every\n"
         "                     problem, exit 0 if there is none, else 1\n"
         "  --version          print the version\n"
         "  --help             print this help\n"
         "\n"
         "Prints 'opes-callout listening on ADDR:PORT' per listener once bound; logs\n"
         "key=value lines on stderr. SIGTERM/SIGINT: finish open transactions, then\n"
         "exit 0. SIGHUP: reload the configuration for new connections.\n"
         "Exit status: 0 normal, 1 configuration or bind error, 2 bad arguments.\n";
}

}  // namespace opes::callout::daemon
