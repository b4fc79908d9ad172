#pragma once
// RFC 5321 §4.1.1: one command line, `verb [SP argument]`, without its CRLF.

#include <string>
#include <string_view>

namespace opes::smtp {

/// The verbs the core knows; anything else is `unknown` and still reaches the
/// application (HOST, AUTH, ATRN and later extensions are answered there).
enum class Verb {
  helo,
  ehlo,
  mail,
  rcpt,
  data,
  rset,
  noop,
  quit,
  vrfy,
  expn,
  help,
  starttls,  // RFC 3207
  auth,      // RFC 4954
  atrn,      // RFC 2645
  host,      // draft-khanna-proxy-mail-protocols
  bdat,      // RFC 3030
  unknown,
};

struct Command {
  Verb verb = Verb::unknown;
  std::string verb_text;  // as sent, any case
  std::string argument;   // everything after the first SP, as sent

  friend bool operator==(const Command&, const Command&) = default;
};

/// Splits a command line at its first SP; verbs compare case-insensitively
/// (RFC 5321 §2.4). Never fails: judging the argument is the verb's business.
Command parse_command(std::string_view line);

/// The verb in upper case as RFC 5321 spells it ("MAIL"); "" for unknown.
std::string_view verb_name(Verb verb) noexcept;

}  // namespace opes::smtp
