#pragma once
// HOST's argument (draft-khanna-proxy-mail-protocols-00 §4): the mail
// server a client names to the proxy. Free of I/O: the text is parsed and
// checked here, the name is resolved and judged by the policy
// (host_policy.hpp), and connected at the edge (opes/proxy/host_connector.hpp).

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"

namespace opes::host {

/// `name`, `name:port`, `192.0.2.1`, `192.0.2.1:port`, `[192.0.2.1]`,
/// `[2001:db8::1]` or `[2001:db8::1]:port` (an IPv6 literal only in brackets,
/// as in a URI, RFC 3986 §3.2.2).
struct HostTarget {
  /// A domain name in lower case (letters, digits, hyphens, dots; RFC 1123
  /// §2.1 labels), or the literal's canonical text without brackets.
  std::string name;
  std::optional<boost::asio::ip::address> literal;  // set for an address literal
  std::uint16_t port = 0;                           // 0: none given (the protocol's standard port)

  /// "mx.example.org:25", "[2001:db8::1]:25": for logs and replies.
  std::string text() const;
};

/// Longer arguments are refused before they are looked at: a 253-octet
/// name (RFC 1035 §2.3.4, in text form), brackets and ":65535".
inline constexpr std::size_t kMaxHostArgument = 263;

/// The error says what is wrong ("port must be 1 to 65535"), for the
/// client's refusal and the log.
ocp::Expected<HostTarget, std::string> parse_host_target(std::string_view argument);

}  // namespace opes::host
