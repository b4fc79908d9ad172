// decide(): which servers a client may name (host_policy.hpp).
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "opes/host/host_policy.hpp"

namespace {

using namespace opes::host;
using boost::asio::ip::make_address;

HostTarget target(std::string_view text) {
  auto parsed = parse_host_target(text);
  REQUIRE_MESSAGE(parsed, parsed.error());
  return *parsed;
}

std::vector<address> addresses(std::initializer_list<const char*> texts) {
  std::vector<address> out;
  for (const char* text : texts) out.push_back(make_address(text));
  return out;
}

HostRule rule(std::string name, std::initializer_list<const char*> networks = {},
              std::initializer_list<const char*> names = {}) {
  HostRule r;
  r.name = std::move(name);
  for (const char* n : networks) r.networks.push_back(*parse_network(n));
  for (const char* n : names) r.names.emplace_back(n);
  return r;
}

HostDecision decide_for(const HostPolicy& policy, std::string_view text, std::vector<address> resolved,
                        HostProtocol protocol = HostProtocol::smtp, std::vector<OwnEndpoint> own = {}) {
  return decide(policy, protocol, target(text), resolved, own);
}

}  // namespace

TEST_CASE("decide: no rules deny everything, an empty resolution is denied") {
  HostPolicy none;
  const auto denied = decide_for(none, "mx.example.org", addresses({"192.0.2.1"}));
  CHECK_FALSE(denied.allowed);
  CHECK(denied.reason == "no rule allows mx.example.org:25 for smtp");
  HostPolicy any;
  any.rules.push_back(rule("any"));
  const auto empty = decide_for(any, "mx.example.org", {});
  CHECK_FALSE(empty.allowed);
  CHECK(empty.reason == "mx.example.org:25 has no address");
}

TEST_CASE("decide: the first rule allowing every address wins") {
  HostPolicy policy;
  policy.rules.push_back(rule("narrow", {"192.0.2.0/28"}));
  policy.rules.push_back(rule("wide", {"192.0.2.0/24", "198.51.100.0/24"}));
  const auto narrow = decide_for(policy, "mx.example.org", addresses({"192.0.2.1"}));
  CHECK(narrow.allowed);
  CHECK(narrow.rule_index == 0);
  CHECK(narrow.rule->name == "narrow");
  CHECK(narrow.port == 25);
  const auto both = decide_for(policy, "mx.example.org", addresses({"192.0.2.1", "198.51.100.7"}));
  CHECK(both.allowed);
  CHECK(both.rule_index == 1);
  REQUIRE(both.addresses.size() == 2);
  CHECK(both.addresses[0].to_string() == "192.0.2.1");
  CHECK(both.addresses[1].to_string() == "198.51.100.7");
  const auto outside = decide_for(policy, "mx.example.org", addresses({"203.0.113.5"}));
  CHECK_FALSE(outside.allowed);
  CHECK(outside.reason == "203.0.113.5 is in no network of a rule for this target");
}

TEST_CASE("decide: one address no rule allows denies the target") {
  HostPolicy policy;
  policy.rules.push_back(rule("a", {"192.0.2.0/24"}));
  policy.rules.push_back(rule("b", {"198.51.100.0/24"}));
  const auto split = decide_for(policy, "mx.example.org", addresses({"192.0.2.1", "198.51.100.7"}));
  CHECK_FALSE(split.allowed);
  CHECK(split.reason == "no single rule allows every address of mx.example.org:25");
}

TEST_CASE("decide: a public and a loopback address is a rebinding attempt") {
  HostPolicy policy;
  policy.rules.push_back(rule("names", {}, {".example.org"}));
  const auto mixed = decide_for(policy, "mx.example.org", addresses({"192.0.2.1", "127.0.0.1"}));
  CHECK_FALSE(mixed.allowed);
  CHECK(mixed.reason == "127.0.0.1 is loopback and no rule allows it explicitly");
  CHECK(decide_for(policy, "mx.example.org", addresses({"192.0.2.1"})).allowed);
}

TEST_CASE("decide: 0.0.0.0/0 does not allow loopback, 127.0.0.1/32 does") {
  HostPolicy everything;
  everything.rules.push_back(rule("everything", {"0.0.0.0/0", "::/0"}));
  CHECK(decide_for(everything, "192.0.2.1", addresses({"192.0.2.1"})).allowed);
  for (const char* special : {"127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "100.64.0.1", "169.254.169.254",
                              "224.0.0.1", "255.255.255.255", "0.0.0.0", "0.1.2.3"}) {
    CAPTURE(special);
    CHECK_FALSE(decide_for(everything, special, addresses({special})).allowed);
  }
  for (const char* special : {"[::1]", "[fe80::1]", "[fd00::1]", "[fec0::1]", "[ff02::1]", "[::]",
                              "[::ffff:127.0.0.1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]"}) {
    CAPTURE(special);
    const auto t = target(special);
    const std::vector<address> resolved{*t.literal};
    CHECK_FALSE(decide(everything, HostProtocol::smtp, t, resolved, {}).allowed);
  }
  HostPolicy loopback;
  loopback.rules.push_back(rule("loopback", {"127.0.0.1/32"}));
  CHECK(decide_for(loopback, "127.0.0.1", addresses({"127.0.0.1"})).allowed);
  CHECK_FALSE(decide_for(loopback, "127.0.0.2", addresses({"127.0.0.2"})).allowed);
  // Mapped: compared as the IPv4 address it carries.
  const auto mapped = target("[::ffff:127.0.0.1]");
  const std::vector<address> mapped_resolved{*mapped.literal};
  CHECK(decide(loopback, HostProtocol::smtp, mapped, mapped_resolved, {}).allowed);
  // A network wider than the special range does not name it explicitly.
  HostPolicy wide;
  wide.rules.push_back(rule("wide", {"96.0.0.0/3"}));
  CHECK_FALSE(decide_for(wide, "127.0.0.1", addresses({"127.0.0.1"})).allowed);
  HostPolicy nat64;
  nat64.rules.push_back(rule("nat64", {"64:ff9b::7f00:1/128"}));
  const auto t = target("[64:ff9b::7f00:1]");
  const std::vector<address> nat64_resolved{*t.literal};
  CHECK(decide(nat64, HostProtocol::smtp, t, nat64_resolved, {}).allowed);
}

TEST_CASE("decide: a name rule never allows loopback") {
  HostPolicy policy;
  policy.rules.push_back(rule("localhost", {}, {"localhost"}));
  const auto denied = decide_for(policy, "localhost", addresses({"127.0.0.1", "::1"}));
  CHECK_FALSE(denied.allowed);
  CHECK(denied.reason == "127.0.0.1 is loopback and no rule allows it explicitly");
  policy.rules[0].networks.push_back(*parse_network("127.0.0.1/32"));
  policy.rules[0].networks.push_back(*parse_network("::1/128"));
  CHECK(decide_for(policy, "localhost", addresses({"127.0.0.1", "::1"})).allowed);
}

TEST_CASE("decide: the proxy's own endpoint is denied unless a /32 rule lists its port") {
  HostPolicy policy;
  policy.rules.push_back(rule("lab", {"192.0.2.0/24"}));
  policy.rules[0].ports = {25, 2525};
  const std::vector<OwnEndpoint> own{{make_address("192.0.2.10"), 2525}};
  const auto denied = decide_for(policy, "192.0.2.10:2525", addresses({"192.0.2.10"}), HostProtocol::smtp, own);
  CHECK_FALSE(denied.allowed);
  CHECK(denied.reason == "192.0.2.10 port 2525 is this proxy's own endpoint and no rule allows it explicitly");
  // Another port of the same address is no own endpoint.
  CHECK(decide_for(policy, "192.0.2.10:25", addresses({"192.0.2.10"}), HostProtocol::smtp, own).allowed);
  HostPolicy single = policy;
  single.rules[0].networks = {*parse_network("192.0.2.10/32")};
  CHECK(decide_for(single, "192.0.2.10:2525", addresses({"192.0.2.10"}), HostProtocol::smtp, own).allowed);
  // /32 but the port only by default: still denied.
  HostPolicy default_ports;
  default_ports.rules.push_back(rule("single", {"192.0.2.10/32"}));
  const std::vector<OwnEndpoint> own_25{{make_address("192.0.2.10"), 25}};
  CHECK_FALSE(decide_for(default_ports, "192.0.2.10", addresses({"192.0.2.10"}), HostProtocol::smtp, own_25).allowed);
  // A loopback listener: the /32 and the port are both needed.
  HostPolicy loopback;
  loopback.rules.push_back(rule("loopback", {"127.0.0.1/32"}));
  const std::vector<OwnEndpoint> own_loopback{{make_address("127.0.0.1"), 2525}};
  CHECK_FALSE(
      decide_for(loopback, "127.0.0.1:2525", addresses({"127.0.0.1"}), HostProtocol::smtp, own_loopback).allowed);
  loopback.rules[0].ports = {2525};
  CHECK(decide_for(loopback, "127.0.0.1:2525", addresses({"127.0.0.1"}), HostProtocol::smtp, own_loopback).allowed);
  // Mapped forms of the own address are the own address.
  const auto mapped = target("[::ffff:192.0.2.10]:2525");
  const std::vector<address> mapped_resolved{*mapped.literal};
  CHECK_FALSE(decide(policy, HostProtocol::smtp, mapped, mapped_resolved, own).allowed);
}

TEST_CASE("decide: ports default to the protocol's standard ports") {
  HostPolicy policy;
  policy.rules.push_back(rule("any"));
  CHECK(decide_for(policy, "mx.example.org", addresses({"192.0.2.1"})).port == 25);
  CHECK(decide_for(policy, "mx.example.org:25", addresses({"192.0.2.1"})).allowed);
  CHECK(decide_for(policy, "mx.example.org:587", addresses({"192.0.2.1"})).allowed);
  CHECK_FALSE(decide_for(policy, "mx.example.org:2525", addresses({"192.0.2.1"})).allowed);
  CHECK_FALSE(decide_for(policy, "mx.example.org:110", addresses({"192.0.2.1"})).allowed);
  const auto pop3 = decide_for(policy, "pop.example.org", addresses({"192.0.2.1"}), HostProtocol::pop3);
  CHECK(pop3.allowed);
  CHECK(pop3.port == 110);
  CHECK_FALSE(decide_for(policy, "pop.example.org:25", addresses({"192.0.2.1"}), HostProtocol::pop3).allowed);
  const auto imap = decide_for(policy, "imap.example.org", addresses({"192.0.2.1"}), HostProtocol::imap);
  CHECK(imap.allowed);
  CHECK(imap.port == 143);
  policy.rules[0].ports = {2525};
  CHECK(decide_for(policy, "mx.example.org:2525", addresses({"192.0.2.1"})).allowed);
  CHECK_FALSE(decide_for(policy, "mx.example.org", addresses({"192.0.2.1"})).allowed);
}

TEST_CASE("decide: the protocol filter") {
  HostPolicy policy;
  policy.rules.push_back(rule("pop3 only"));
  policy.rules[0].protocols = {HostProtocol::pop3};
  CHECK_FALSE(decide_for(policy, "mx.example.org", addresses({"192.0.2.1"})).allowed);
  CHECK(decide_for(policy, "pop.example.org", addresses({"192.0.2.1"}), HostProtocol::pop3).allowed);
  CHECK(decide_for(policy, "mx.example.org", addresses({"192.0.2.1"})).reason ==
        "no rule allows mx.example.org:25 for smtp");
}

TEST_CASE("decide: a suffix pattern matches names below it only") {
  HostPolicy policy;
  policy.rules.push_back(rule("suffix", {}, {".example.org"}));
  CHECK(decide_for(policy, "a.example.org", addresses({"192.0.2.1"})).allowed);
  CHECK(decide_for(policy, "b.a.example.org", addresses({"192.0.2.1"})).allowed);
  CHECK_FALSE(decide_for(policy, "example.org", addresses({"192.0.2.1"})).allowed);
  CHECK_FALSE(decide_for(policy, "badexample.org", addresses({"192.0.2.1"})).allowed);
  HostPolicy exact;
  exact.rules.push_back(rule("exact", {}, {"mx.example.org"}));
  CHECK(decide_for(exact, "MX.example.org", addresses({"192.0.2.1"})).allowed);
  CHECK_FALSE(decide_for(exact, "a.mx.example.org", addresses({"192.0.2.1"})).allowed);
  // Name patterns never match an address literal.
  CHECK_FALSE(decide_for(exact, "192.0.2.1", addresses({"192.0.2.1"})).allowed);
}

TEST_CASE("protocols: names, standard and default ports") {
  CHECK(protocol_name(HostProtocol::pop3) == "pop3");
  CHECK(standard_ports(HostProtocol::smtp) == std::vector<std::uint16_t>{25, 587});
  CHECK(default_port(HostProtocol::imap) == 143);
  CHECK(class_name(AddressClass::private_network) == "private");
}
