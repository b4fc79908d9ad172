// opes-callout: the OPES callout server daemon (docs/callout-server.md).

#include <cstdio>
#include <string_view>
#include <vector>

#include "command_line.hpp"
#include "daemon.hpp"

int main(int argc, char** argv) {
  using namespace opes::callout::daemon;
  const std::vector<std::string_view> arguments(argv + 1, argv + argc);
  const auto command = parse_command_line(arguments);
  if (!command) {
    std::fprintf(stderr, "opes-callout: %s\ntry 'opes-callout --help'\n", command.error().c_str());
    return kExitUsage;
  }
  switch (command->mode) {
    case Mode::help:
      std::fputs(usage_text().c_str(), stdout);
      return kExitOk;
    case Mode::version:
      std::printf("opes-callout %s\n", OPES_CALLOUT_VERSION);
      return kExitOk;
    case Mode::check_config:
      return check_config(ConfigSource(command->config_file, command->listen, command->plugin_dir));
    case Mode::serve:
      break;
  }
  return serve(ConfigSource(command->config_file, command->listen, command->plugin_dir));
}
