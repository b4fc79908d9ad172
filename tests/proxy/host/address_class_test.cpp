// classify() and Network: RFC 6890's special-purpose ranges, and IPv6 forms
// judged by the IPv4 address they embed.
#include <doctest/doctest.h>

#include <string>

#include "opes/host/host_policy.hpp"

namespace {

using opes::host::AddressClass;
using opes::host::classify;
using opes::host::parse_network;

AddressClass class_of(const char* text) { return classify(boost::asio::ip::make_address(text)).address_class; }

std::string range_of(const char* text) {
  const auto classified = classify(boost::asio::ip::make_address(text));
  return classified.range ? classified.range->text : std::string("(none)");
}

}  // namespace

TEST_CASE("classify: every IPv4 range") {
  CHECK(class_of("0.0.0.0") == AddressClass::unspecified);
  CHECK(class_of("0.1.2.3") == AddressClass::reserved);
  CHECK(class_of("10.0.0.1") == AddressClass::private_network);
  CHECK(class_of("10.255.255.255") == AddressClass::private_network);
  CHECK(class_of("11.0.0.1") == AddressClass::global);
  CHECK(class_of("172.16.0.1") == AddressClass::private_network);
  CHECK(class_of("172.31.255.255") == AddressClass::private_network);
  CHECK(class_of("172.32.0.1") == AddressClass::global);
  CHECK(class_of("172.15.255.255") == AddressClass::global);
  CHECK(class_of("192.168.1.1") == AddressClass::private_network);
  CHECK(class_of("100.64.0.1") == AddressClass::shared);
  CHECK(class_of("100.127.255.255") == AddressClass::shared);
  CHECK(class_of("100.128.0.1") == AddressClass::global);
  CHECK(class_of("127.0.0.1") == AddressClass::loopback);
  CHECK(class_of("127.255.255.254") == AddressClass::loopback);
  CHECK(class_of("169.254.169.254") == AddressClass::link_local);
  CHECK(class_of("224.0.0.1") == AddressClass::multicast);
  CHECK(class_of("239.255.255.255") == AddressClass::multicast);
  CHECK(class_of("240.0.0.1") == AddressClass::reserved);
  CHECK(class_of("255.255.255.255") == AddressClass::reserved);
  CHECK(class_of("192.0.2.1") == AddressClass::global);
  CHECK(class_of("8.8.8.8") == AddressClass::global);
  CHECK(range_of("127.0.0.1") == "127.0.0.0/8");
  CHECK(range_of("0.0.0.0") == "0.0.0.0/32");
  CHECK(range_of("8.8.8.8") == "(none)");
}

TEST_CASE("classify: every IPv6 range") {
  CHECK(class_of("::") == AddressClass::unspecified);
  CHECK(class_of("::1") == AddressClass::loopback);
  CHECK(class_of("fe80::1") == AddressClass::link_local);
  CHECK(class_of("febf::1") == AddressClass::link_local);
  CHECK(class_of("fec0::1") == AddressClass::site_local);
  CHECK(class_of("fc00::1") == AddressClass::unique_local);
  CHECK(class_of("fd12:3456::1") == AddressClass::unique_local);
  CHECK(class_of("ff02::1") == AddressClass::multicast);
  CHECK(class_of("2001:db8::1") == AddressClass::global);
  CHECK(class_of("2a00:1450::1") == AddressClass::global);
  CHECK(range_of("::1") == "::1/128");
  CHECK(range_of("fd00::1") == "fc00::/7");
}

TEST_CASE("classify: embedded IPv4 forms are judged by the IPv4 address") {
  // IPv4-mapped.
  CHECK(class_of("::ffff:127.0.0.1") == AddressClass::loopback);
  CHECK(class_of("::ffff:10.1.2.3") == AddressClass::private_network);
  CHECK(class_of("::ffff:8.8.8.8") == AddressClass::global);
  CHECK(range_of("::ffff:127.0.0.1") == "127.0.0.0/8");
  CHECK(classify(boost::asio::ip::make_address("::ffff:127.0.0.1")).judged.to_string() == "127.0.0.1");
  // IPv4-compatible (deprecated): reserved whatever it embeds.
  CHECK(class_of("::127.0.0.1") == AddressClass::reserved);
  CHECK(class_of("::8.8.8.8") == AddressClass::reserved);
  // NAT64 (RFC 6052).
  CHECK(class_of("64:ff9b::127.0.0.1") == AddressClass::loopback);
  CHECK(class_of("64:ff9b::169.254.169.254") == AddressClass::link_local);
  CHECK(class_of("64:ff9b::8.8.8.8") == AddressClass::global);
  CHECK(range_of("64:ff9b::127.0.0.1") == "64:ff9b::7f00:0/104");
  CHECK(classify(boost::asio::ip::make_address("64:ff9b::a00:1")).judged.to_string() == "10.0.0.1");
  // 6to4 (RFC 3056): the IPv4 address in bits 16 to 47.
  CHECK(class_of("2002:7f00:1::1") == AddressClass::loopback);
  CHECK(class_of("2002:c0a8:101::1") == AddressClass::private_network);
  CHECK(class_of("2002:808:808::1") == AddressClass::global);
  CHECK(range_of("2002:7f00:1::1") == "2002:7f00::/24");
}

TEST_CASE("network: parse, contains, inside") {
  const auto lab = parse_network("192.0.2.0/24");
  REQUIRE(lab);
  CHECK(lab->bits == 24);
  CHECK(lab->contains(boost::asio::ip::make_address("192.0.2.200")));
  CHECK(lab->contains(boost::asio::ip::make_address("::ffff:192.0.2.200")));
  CHECK_FALSE(lab->contains(boost::asio::ip::make_address("192.0.3.1")));
  CHECK_FALSE(lab->contains(boost::asio::ip::make_address("2001:db8::1")));
  const auto host_bits = parse_network("192.0.2.77/24");
  REQUIRE(host_bits);
  CHECK(host_bits->base.to_string() == "192.0.2.0");
  const auto single = parse_network("127.0.0.1");
  REQUIRE(single);
  CHECK(single->bits == 32);
  const auto loopback = parse_network("127.0.0.0/8");
  CHECK(single->inside(*loopback));
  CHECK_FALSE(loopback->inside(*single));
  CHECK_FALSE(parse_network("0.0.0.0/0")->inside(*loopback));
  const auto mapped = parse_network("::ffff:192.0.2.0/120");
  REQUIRE(mapped);
  CHECK(mapped->base.is_v4());
  CHECK(mapped->bits == 24);
  const auto v6 = parse_network("2001:db8::/32");
  REQUIRE(v6);
  CHECK(v6->contains(boost::asio::ip::make_address("2001:db8:ffff::1")));
  CHECK_FALSE(v6->contains(boost::asio::ip::make_address("2001:db9::1")));
  CHECK_FALSE(parse_network("192.0.2.0/33"));
  CHECK_FALSE(parse_network("2001:db8::/129"));
  CHECK_FALSE(parse_network("192.0.2.0/"));
  CHECK_FALSE(parse_network("192.0.2.0/x"));
  CHECK_FALSE(parse_network("/24"));
  CHECK_FALSE(parse_network("mx.example.org/24"));
  CHECK_FALSE(parse_network("fe80::1%eth0/64"));
}
