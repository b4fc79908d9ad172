#pragma once
// Which command ServerCore lets run in which session state: one row per verb,
// read at a glance like Postfix's smtpd_cmd_table or Dovecot's PRETLS/PREAUTH
// flags. The core checks a command line in this order and answers the first
// gate it fails:
//
//   offered         502 5.5.1 Error: command not implemented
//   (syntax)        501 5.5.4 Syntax: ...   (arguments, fixed per verb)
//   first_only      503 5.5.1 Error: HOST must be the first command
//   needs_hello     503 5.5.1 Error: send HELO/EHLO first
//   before_tls      503 5.5.1 Error: TLS already active
//   auth required   530 5.7.0 Authentication required   (RFC 4954 §6)
//   auth before     503 5.5.1 Error: already authenticated (RFC 4954 §4)
//   transaction     503 5.5.1 Error: MAIL transaction in progress / nested
//                   MAIL command (outside), Error: need MAIL command (inside)
//
// A session picks its table once (ServerOptions::commands); smtp_commands()
// is the ordinary SMTP one. A profile that offers only a few verbs, e.g.
// ODMR (RFC 2645: EHLO, AUTH and QUIT first, then ATRN once
// authenticated), is a table with `offered` false elsewhere:
//
//   CommandTable odmr = smtp_commands({});
//   for (auto& rule : odmr.rules) rule.offered = false;
//   odmr[Verb::ehlo] = {.auth = AuthGate::before};
//   odmr[Verb::auth].offered = true;
//   odmr[Verb::quit].offered = true;
//   odmr[Verb::atrn] = {.auth = AuthGate::required};  // 530 until AUTH

#include <array>
#include <cstddef>

#include "opes/smtp/command.hpp"

namespace opes::smtp {

enum class TransactionGate : unsigned char {
  any,
  outside,  // not inside a mail transaction (MAIL, STARTTLS, AUTH: RFC 4954 §4)
  inside,   // only after an accepted MAIL (RCPT, DATA: RFC 5321 §4.1.4)
};

enum class AuthGate : unsigned char {
  any,
  /// 530 5.7.0 until an AUTH was answered 235 (RFC 4954 §6).
  required,
  /// 503 5.5.1 once an AUTH was answered 235 (RFC 4954 §4: no second AUTH).
  before,
};

struct VerbRule {
  bool offered = true;
  /// Only as the connection's first command line (HOST, draft-khanna-proxy-
  /// mail-protocols-00 §4: it names the server before any dialogue).
  bool first_only = false;
  bool needs_hello = false;
  /// RFC 3207 §4.2: no STARTTLS once TLS is active.
  bool before_tls = false;
  AuthGate auth = AuthGate::any;
  TransactionGate transaction = TransactionGate::any;
};

inline constexpr std::size_t kVerbCount = static_cast<std::size_t>(Verb::unknown) + 1;

struct CommandTable {
  std::array<VerbRule, kVerbCount> rules{};

  VerbRule& operator[](Verb verb) noexcept { return rules[static_cast<std::size_t>(verb)]; }
  const VerbRule& operator[](Verb verb) const noexcept {
    return rules[static_cast<std::size_t>(verb)];
  }
};

struct SmtpCommandPolicy {
  /// HOST offered, as the first command only; otherwise 502 like any verb
  /// not implemented.
  bool host_first = false;
  /// RFC 4954 §6: every command but AUTH, EHLO, HELO, NOOP, RSET, QUIT (and
  /// STARTTLS, RFC 3207, which must come first for AUTH PLAIN) gets 530
  /// 5.7.0 until the client authenticated.
  bool require_auth = false;
};

/// The SMTP table: MAIL needs HELO/EHLO and no open transaction; RCPT and
/// DATA an open one; STARTTLS no transaction and no TLS yet; AUTH HELO/EHLO,
/// no transaction and no earlier success; BDAT not offered (no CHUNKING);
/// HOST per `policy`; every other verb (ATRN and unknown ones included)
/// reaches the application in any state.
CommandTable smtp_commands(SmtpCommandPolicy policy);

}  // namespace opes::smtp
