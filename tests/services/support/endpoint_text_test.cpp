// How both daemons write a socket address (services/support/src/endpoint_text.cpp):
// the form --listen reads back, IPv6 in brackets so its colons are not the port's.

#include "opes/support/endpoint_text.hpp"

#include <doctest/doctest.h>

#include <string>

namespace opes::support {

namespace {

/// The two members endpoint_text(endpoint) uses, as an Asio endpoint has them.
struct FakeEndpoint {
  struct Address {
    std::string text;
    std::string to_string() const { return text; }
  };
  Address address_;
  std::uint16_t port_;
  const Address& address() const { return address_; }
  std::uint16_t port() const { return port_; }
};

}  // namespace

TEST_CASE("endpoint text: IPv4 is ADDR:PORT, IPv6 is [ADDR]:PORT") {
  CHECK(endpoint_text("127.0.0.1", 1344) == "127.0.0.1:1344");
  CHECK(endpoint_text("::1", 25) == "[::1]:25");
  CHECK(endpoint_text("2001:db8::1", 0) == "[2001:db8::1]:0");
  CHECK(endpoint_text("::ffff:192.0.2.1", 65535) == "[::ffff:192.0.2.1]:65535");
}

TEST_CASE("endpoint text: an endpoint is written from its address and port") {
  CHECK(endpoint_text(FakeEndpoint{{"192.0.2.7"}, 587}) == "192.0.2.7:587");
  CHECK(endpoint_text(FakeEndpoint{{"fe80::1"}, 465}) == "[fe80::1]:465");
}

}  // namespace opes::support
