#include "opes/smtp/command_table.hpp"

namespace opes::smtp {

CommandTable smtp_commands(SmtpCommandPolicy policy) {
  CommandTable table;
  const AuthGate after_auth = policy.require_auth ? AuthGate::required : AuthGate::any;
  // RFC 5321 §4.1.4: MAIL after HELO/EHLO, one transaction at a time; RCPT
  // and DATA inside it.
  table[Verb::mail] = {
      .needs_hello = true, .auth = after_auth, .transaction = TransactionGate::outside};
  table[Verb::rcpt] = {.auth = after_auth, .transaction = TransactionGate::inside};
  table[Verb::data] = {.auth = after_auth, .transaction = TransactionGate::inside};
  table[Verb::vrfy].auth = after_auth;
  table[Verb::expn].auth = after_auth;
  table[Verb::help].auth = after_auth;
  // RFC 3207 §4: STARTTLS neither inside a transaction nor twice; it needs no
  // authentication (RFC 4954 §4: PLAIN wants TLS first).
  table[Verb::starttls] = {.before_tls = true, .transaction = TransactionGate::outside};
  // RFC 4954 §4: AUTH is an EHLO extension; not during a mail transaction,
  // not after a successful AUTH.
  table[Verb::auth] = {
      .needs_hello = true, .auth = AuthGate::before, .transaction = TransactionGate::outside};
  // RFC 3030: CHUNKING is not offered.
  table[Verb::bdat].offered = false;
  table[Verb::host] = {.offered = policy.host_first, .first_only = true};
  return table;
}

}  // namespace opes::smtp
