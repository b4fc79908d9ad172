#pragma once
// Telling the upstream MTA who the real SMTP client is, with Postfix's
// extensions (http://www.postfix.org/XCLIENT_README.html,
// http://www.postfix.org/XFORWARD_README.html): XCLIENT replaces the client
// the server's access policy sees (answered with a new 220 greeting, after
// which the client says EHLO again); XFORWARD only overrides what it logs
// and writes in Received (answered 250). Both take `NAME=value` attributes,
// values in xtext (RFC 3461 §4), and only the attributes the server listed
// after the keyword in its EHLO reply.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opes/smtp/server_capabilities.hpp"

namespace opes::smtp {

enum class ForwardCommand { xclient, xforward };

/// What opes-proxy knows of its client. The proxy does no reverse DNS and
/// no SASL: NAME and LOGIN are sent as "[UNAVAILABLE]".
struct ForwardedClient {
  std::string address;     // "192.0.2.7", "2001:db8::1" or "::ffff:192.0.2.7"; "" unknown
  std::uint16_t port = 0;  // 0: unknown
  std::string helo;        // the HELO/EHLO argument; "" none
  bool esmtp = true;       // PROTO=ESMTP (EHLO) or SMTP (HELO)
  std::string ident;       // XFORWARD IDENT: the proxy's transaction id

  friend bool operator==(const ForwardedClient&, const ForwardedClient&) = default;
};

/// Both READMEs: "[UNAVAILABLE]" stands for a value that is not known.
inline constexpr std::string_view kUnavailable = "[UNAVAILABLE]";
/// RFC 5321 §4.5.3.1.4 (512 octets per command line, CRLF included), which
/// both READMEs ask the client to keep, splitting the attributes over
/// several commands if need be.
inline constexpr std::size_t kMaxForwardLine = 512;
/// XFORWARD_README Note 1: an attribute value is at most 255 characters.
inline constexpr std::size_t kMaxForwardValue = 255;

/// The attribute names listed after `keyword` ("XCLIENT", "XFORWARD") in
/// the EHLO reply, upper-cased; empty when the keyword is not there.
std::vector<std::string> offered_attributes(const ServerCapabilities& capabilities,
                                            std::string_view keyword);

/// The command lines (each with CRLF, each at most kMaxForwardLine octets)
/// that send `client`'s attributes among `offered`; empty when none of
/// ours is offered. XCLIENT sends HELO, PROTO and LOGIN before NAME, ADDR and
/// PORT, since once ADDR is set the server judges the next XCLIENT by the
/// new address (XCLIENT_README, Note 1). A value that would be longer than
/// kMaxForwardValue once encoded is sent as "[UNAVAILABLE]".
std::vector<std::string> format_client_forwarding(ForwardCommand command,
                                                  const ForwardedClient& client,
                                                  const std::vector<std::string>& offered);

}  // namespace opes::smtp
