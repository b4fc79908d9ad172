// opes-proxy: the OPES processor as a before-queue SMTP proxy
// (docs/operator-guide.md).

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "default_config.hpp"
#include "opes/proxy/config.hpp"
#include "opes/support/log.hpp"
#include "proxy_daemon.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfig = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    "usage: opes-proxy [--config FILE] [--check-config]\n"
    "       opes-proxy --version | --help\n"
    "\n"
    "The OPES processor: an SMTP proxy in front of an MTA (or a spool folder)\n"
    "that sends every mail transaction through opes-callout servers (OCP,\n"
    "RFC 4037, SMTP profile of draft-ietf-opes-smtp-00) and applies their\n"
    "adaptations.\n"
    "\n"
    "  --config FILE   JSON configuration (docs/operator-guide.md); relative\n"
    "                  paths are relative to FILE's folder. Without it, the\n"
    "                  built-in default (config/opes-proxy.json: 127.0.0.1:10025,\n"
    "                  opes-callout on 127.0.0.1:11344, spool below\n"
    "                  $OPES_PROXY_STATE_DIR or the installed state folder).\n"
    "  --check-config  read the configuration, report every problem, exit 0 if\n"
    "                  there is none, else 1\n"
    "  --version       print the version\n"
    "  --help          print this help\n"
    "\n"
    "Prints 'opes-proxy listening on ADDR:PORT' per listener once bound; logs\n"
    "key=value lines on stderr. SIGTERM/SIGINT: stop accepting, 421 to clients\n"
    "between transactions, open transactions finish (shutdown_grace_seconds,\n"
    "30 by default), CE to the callout servers, exit 0. SIGHUP: read FILE again;\n"
    "new sessions use it, running ones finish on the old one.\n"
    "Exit status: 0 normal, 1 configuration or start-up error, 2 bad arguments.\n";

/// Where the built-in default's relative paths (the spool) are taken from:
/// $OPES_PROXY_STATE_DIR when set, else the installed state folder.
std::filesystem::path built_in_base() {
  const char* variable = std::getenv("OPES_PROXY_STATE_DIR");
  if (variable && *variable) return std::filesystem::absolute(std::filesystem::path(variable));
  return opes::proxy::daemon::default_config_base();
}

int usage_error(const std::string& message) {
  std::cerr << "opes-proxy: " << message << "\ntry 'opes-proxy --help'\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace opes::proxy;
  std::optional<std::string> config_file;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--help" || argument == "-h") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (argument == "--version") {
      std::cout << "opes-proxy " << OPES_PROXY_VERSION << "\n";
      return kExitOk;
    }
    if (argument == "--check-config") {
      check_only = true;
    } else if (argument == "--config" || argument.starts_with("--config=")) {
      if (config_file) return usage_error("--config given twice");
      if (argument == "--config") {
        if (i + 1 >= argc) return usage_error("--config needs a FILE");
        config_file = argv[++i];
      } else {
        config_file = std::string(argument.substr(9));
      }
      if (config_file->empty()) return usage_error("--config needs a FILE");
    } else {
      return usage_error("unknown argument '" + std::string(argument) + "'");
    }
  }

  const std::string source = config_file ? *config_file : "built-in default";
  const ConfigResult config =
      config_file ? load_config(*config_file)
                  : parse_config(daemon::default_config_text(), built_in_base());
  if (!config) {
    for (const ConfigError& error : config.error())
      std::cerr << "opes-proxy: config " << source << ": " << error.describe() << "\n";
    return kExitConfig;
  }
  if (check_only) {
    if (auto prepared = daemon::prepare(*config); !prepared) {
      std::cerr << "opes-proxy: config " << source << ": " << prepared.error() << "\n";
      return kExitConfig;
    }
    std::cout << "opes-proxy: config " << source << " is valid\n";
    return kExitOk;
  }
  opes::support::set_log_level(config->log_level);
  opes::support::set_log_output(config->log_output);
  // A client or server that goes away mid-write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  return daemon::run_daemon(*config, config_file ? std::optional<std::filesystem::path>(*config_file)
                                                  : std::nullopt);
}
