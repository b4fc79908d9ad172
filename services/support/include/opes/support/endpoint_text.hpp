#pragma once
// How both daemons write a socket address in their logs and on the
// "listening on" line: ADDR:PORT, an IPv6 address in brackets so that its
// colons cannot be read as the port's (the form RFC 3986 §3.2.2 uses and
// that --listen reads back).

#include <cstdint>
#include <string>
#include <string_view>

namespace opes::support {

/// "192.0.2.1:25", "[2001:db8::1]:25": an address with a ':' is IPv6.
std::string endpoint_text(std::string_view address, std::uint16_t port);

/// The same for anything with address().to_string() and port(), such as an
/// Asio TCP endpoint (kept a template so this library needs no Asio).
template <class Endpoint>
std::string endpoint_text(const Endpoint& endpoint) {
  return endpoint_text(endpoint.address().to_string(), endpoint.port());
}

}  // namespace opes::support
