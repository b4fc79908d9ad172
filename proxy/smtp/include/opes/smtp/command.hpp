#pragma once
// RFC 5321 §4.1.1: one command line, `verb [SP argument]`, without its CRLF.

#include <optional>
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

/// RFC 4954 §4: the argument of `AUTH mechanism [initial-response]`.
struct AuthArgument {
  std::string mechanism;  // RFC 4422 §3.1 sasl-mech (1 to 20 of A-Z 0-9 - _), upper-cased
  /// Absent: the mechanism's first challenge is due (reply 334). Present:
  /// the client's first response, still base64 (decoding is the SASL
  /// unit's: 501 5.5.2 if it fails, RFC 4954 §4); "" when it sent "=".
  std::optional<std::string> initial_response;

  friend bool operator==(const AuthArgument&, const AuthArgument&) = default;
};

/// Splits an AUTH argument; nullopt when it is not `mechanism [SP response]`
/// (no mechanism, a mechanism that is no sasl-mech, a third word, an empty
/// response).
std::optional<AuthArgument> parse_auth_argument(std::string_view argument);

/// The verb in upper case as RFC 5321 spells it ("MAIL"); "" for unknown.
std::string_view verb_name(Verb verb) noexcept;

}  // namespace opes::smtp
