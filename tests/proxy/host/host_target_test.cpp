// parse_host_target: HOST's argument (draft-khanna-proxy-mail-protocols-00 §4).
#include <doctest/doctest.h>

#include <string>

#include "opes/host/host_target.hpp"

namespace {

using opes::host::parse_host_target;

std::string error_of(std::string_view argument) {
  auto parsed = parse_host_target(argument);
  return parsed ? std::string("(parsed)") : parsed.error();
}

}  // namespace

TEST_CASE("target: a name with and without a port, lowered") {
  auto plain = parse_host_target("MX.Example.ORG");
  REQUIRE(plain);
  CHECK(plain->name == "mx.example.org");
  CHECK_FALSE(plain->literal);
  CHECK(plain->port == 0);
  CHECK(plain->text() == "mx.example.org");
  auto with_port = parse_host_target("mx.example.org:2525");
  REQUIRE(with_port);
  CHECK(with_port->name == "mx.example.org");
  CHECK(with_port->port == 2525);
  CHECK(with_port->text() == "mx.example.org:2525");
  auto single_label = parse_host_target("localhost");
  REQUIRE(single_label);
  CHECK(single_label->name == "localhost");
}

TEST_CASE("target: a trailing dot is the root and is dropped") {
  auto parsed = parse_host_target("mx.example.org.:25");
  REQUIRE(parsed);
  CHECK(parsed->name == "mx.example.org");
  CHECK(parsed->port == 25);
  CHECK(error_of(".") == "the name is empty");
  CHECK(error_of("mx..example.org") == "the name has an empty label");
}

TEST_CASE("target: address literals") {
  auto v4 = parse_host_target("192.0.2.1");
  REQUIRE(v4);
  REQUIRE(v4->literal);
  CHECK(v4->literal->is_v4());
  CHECK(v4->name == "192.0.2.1");
  auto v4_port = parse_host_target("192.0.2.1:587");
  REQUIRE(v4_port);
  CHECK(v4_port->port == 587);
  auto bracketed_v4 = parse_host_target("[1.2.3.4]");
  REQUIRE(bracketed_v4);
  REQUIRE(bracketed_v4->literal);
  CHECK(bracketed_v4->name == "1.2.3.4");
  CHECK(bracketed_v4->text() == "1.2.3.4");
  auto v6 = parse_host_target("[::1]:25");
  REQUIRE(v6);
  REQUIRE(v6->literal);
  CHECK(v6->literal->is_v6());
  CHECK(v6->name == "::1");
  CHECK(v6->port == 25);
  CHECK(v6->text() == "[::1]:25");
  auto canonical = parse_host_target("[2001:DB8:0:0::1]");
  REQUIRE(canonical);
  CHECK(canonical->name == "2001:db8::1");
  CHECK(canonical->text() == "[2001:db8::1]");
}

TEST_CASE("target: refused arguments say why") {
  CHECK(error_of("") == "no server named");
  CHECK(error_of("mx.example.org 25") == "the name may hold only letters, digits, hyphens and dots");
  CHECK(error_of(" mx.example.org") == "the name may hold only letters, digits, hyphens and dots");
  CHECK(error_of("mail_host.example.org") == "the name may hold only letters, digits, hyphens and dots");
  CHECK(error_of(std::string(64, 'a') + ".example.org") == "a label is longer than 63 octets");
  CHECK(error_of(std::string(63, 'a') + ".example.org") == "(parsed)");
  CHECK(error_of("-mx.example.org") == "a label starts or ends with a hyphen");
  CHECK(error_of("mx.example.org:0") == "port must be 1 to 65535");
  CHECK(error_of("mx.example.org:65536") == "port must be 1 to 65535");
  CHECK(error_of("mx.example.org:65535") == "(parsed)");
  CHECK(error_of("mx.example.org:") == "port must be 1 to 65535");
  CHECK(error_of("mx.example.org:+25") == "port must be 1 to 65535");
  CHECK(error_of(":25") == "the name is empty");
  CHECK(error_of("::1") == "an IPv6 address must be in brackets");
  CHECK(error_of("2001:db8::1") == "an IPv6 address must be in brackets");
  CHECK(error_of("[::1") == "'[' without ']'");
  CHECK(error_of("[::1]25") == "only ':port' may follow ']'");
  CHECK(error_of("[mx.example.org]") == "the brackets hold no IP address");
  CHECK(error_of("[fe80::1%eth0]") == "the brackets hold no IP address");
}

TEST_CASE("target: numeric names that getaddrinfo would read as addresses are refused") {
  CHECK(error_of("127.1") == "the last label is all digits");
  CHECK(error_of("2130706433") == "the last label is all digits");
  CHECK(error_of("0x7f.1") == "the last label is all digits");
  CHECK(error_of("1.2.3.4.5") == "the last label is all digits");
  CHECK(error_of("123.example.org") == "(parsed)");
}

TEST_CASE("target: length limits") {
  // 253 octets in labels of 63: accepted; one more: refused.
  const std::string label(63, 'a');
  const std::string longest = label + "." + label + "." + label + "." + std::string(61, 'b');
  REQUIRE(longest.size() == 253);
  CHECK(error_of(longest) == "(parsed)");
  CHECK(error_of(longest + ":65535") == "(parsed)");
  CHECK(error_of(longest + "b") == "the name is longer than 253 octets");
  CHECK(error_of(std::string(opes::host::kMaxHostArgument + 1, 'a'))
        == "the argument is longer than 263 octets");
}
