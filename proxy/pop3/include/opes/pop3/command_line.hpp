#pragma once
// A POP3 client command line (RFC 1939 §3): a keyword of 3-4 printable
// characters, case-insensitive, and arguments separated by single spaces.
// The proxy only needs the keyword (to know the response's framing and to
// answer the few commands it handles itself) and whether arguments follow.

#include <string>
#include <string_view>

namespace opes::pop3 {

struct CommandLine {
  std::string keyword;    // upper case: "RETR"
  std::string argument;   // everything after the first space, as sent ("" for none)
  bool has_argument = false;
};

/// `line` without its CRLF. Keywords are not checked against a list: the
/// upstream answers what it does not know.
CommandLine parse_command_line(std::string_view line);

/// Whether a positive answer to the command is multi-line (RFC 1939 §3 and
/// §7, RFC 2449 §5): CAPA, LIST and UIDL without argument, RETR, TOP; AUTH
/// without argument (servers list their mechanisms, RFC 5034 §4 allows it).
bool expects_multiline(const CommandLine& command);

}  // namespace opes::pop3
