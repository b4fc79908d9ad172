#pragma once
// RFC 5321 §4.4: the Received field a server adds, built from what the
// session knows; the date is the caller's (no clock here).

#include <string>
#include <string_view>

#include "ocp/smtp/header_field.hpp"

namespace opes::smtp {

struct ReceivedInput {
  std::string_view helo;          // what the client said in HELO/EHLO
  std::string_view peer_address;  // its IP address, textual IPv4 or IPv6
  std::string_view by;            // our host name
  std::string_view id;            // the transaction's id
  std::string_view recipient;     // "for" clause when exactly one; else empty
  bool esmtp = true;
  bool tls = false;
  bool smtputf8 = false;  // the transaction's MAIL carried SMTPUTF8
  bool authenticated = false;  // SMTP AUTH succeeded (RFC 4954)
  /// The authenticated identity to name in a comment, as Postfix's
  /// smtpd_sasl_authenticated_header does; empty: not named.
  std::string_view identity = {};
};

/// RFC 5321 §4.1.3 address-literal: "[a.b.c.d]" or "[IPv6:...]"; an IPv4
/// client on a dual-stack socket (::ffff:a.b.c.d) is shown as IPv4.
std::string address_literal(std::string_view address);

/// RFC 3848 and RFC 6531 §4.3 protocol names: SMTP after HELO; ESMTP, or
/// ESMTPS with TLS; UTF8SMTP, or UTF8SMTPS with TLS, for an SMTPUTF8
/// transaction; with SMTP AUTH the "A" forms (RFC 3848 §2: ESMTPA,
/// ESMTPSA; RFC 6531 §4.3: UTF8SMTPA, UTF8SMTPSA). The identity itself is
/// not written: RFC 4954 §7 leaves it to the operator, and it would tell
/// every recipient the sender's login.
std::string_view received_protocol(const ReceivedInput& input) noexcept;

/// `Received: from HELO (LITERAL)\r\n\tby BY (opes-proxy) with PROTOCOL id
/// ID[\r\n\tfor <RECIPIENT>]; DATE`, folded as shown.
ocp::smtp::HeaderField format_received(const ReceivedInput& input, std::string_view date);

}  // namespace opes::smtp
