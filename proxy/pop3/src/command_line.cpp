#include "opes/pop3/command_line.hpp"

#include <cctype>

namespace opes::pop3 {

CommandLine parse_command_line(std::string_view line) {
  CommandLine command;
  const auto space = line.find(' ');
  const auto keyword = line.substr(0, space);
  command.keyword.reserve(keyword.size());
  for (const char c : keyword) {
    command.keyword.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (space != std::string_view::npos) {
    command.has_argument = true;
    command.argument = std::string(line.substr(space + 1));
  }
  return command;
}

bool expects_multiline(const CommandLine& command) {
  const auto& k = command.keyword;
  if (k == "CAPA" || k == "RETR" || k == "TOP") return true;
  // RFC 1939 §5: LIST and UIDL with a message number answer one line.
  if (k == "LIST" || k == "UIDL" || k == "AUTH") return !command.has_argument;
  return false;
}

}  // namespace opes::pop3
