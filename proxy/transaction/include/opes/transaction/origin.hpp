#pragma once
// The facts about the client of a mail transaction, as one value apart from
// the connection (Postfix keeps them so for XFORWARD, SMTPD_XFORWARD_ATTR):
// a front-end fills it, a queue could store it, and every decision of the
// transaction that depends on who the client is reads it from here.

#include <cstdint>
#include <string>

namespace opes::proxy {

/// The front-end protocol the message came in by.
enum class OriginProtocol { smtp, imap_submit, odmr };

struct Origin {
  std::string address;     // "192.0.2.7", "2001:db8::1"; "unknown" when not known
  std::uint16_t port = 0;  // 0: unknown
  /// For logs: "192.0.2.7:1025", "[2001:db8::1]:1025" (MailStream::peer()).
  std::string peer;
  bool tls = false;
  std::string tls_cipher;  // "" unknown or no TLS
  std::string helo;        // the HELO/EHLO argument (at most 255 octets); "" none yet
  bool esmtp = false;      // EHLO rather than HELO
  /// The SMTP AUTH identity (RFC 4954); "" when the client did not
  /// authenticate.
  std::string authenticated;
  /// Whether the Received field may name `authenticated` (the listener's
  /// auth.identity_in_received).
  bool identity_in_received = false;
  OriginProtocol protocol = OriginProtocol::smtp;
};

}  // namespace opes::proxy
