#pragma once
// Which servers a client may name with HOST (no open proxy). Free of I/O:
// the edge resolves the name once, passes every resolved address here, and
// connects to the addresses the decision lists (never resolving again, so
// a DNS answer cannot change between the check and the connection).
//
// A target is allowed by the first rule, in configuration order, that
// allows every one of its addresses; one address that no rule allows
// denies the target (a name that resolves to a public and a loopback
// address is a rebinding attempt, not half a target). A rule allows an
// address when each criterion it lists matches: protocol, port (none
// listed: the protocol's standard ports), name (none listed: any name or
// literal) and network (none listed: any address).
//
// Special addresses are denied unless a rule allows them explicitly, that
// is by a network of its own that lies inside the special range (a rule for
// 127.0.0.1/32 allows 127.0.0.1; a rule for 0.0.0.0/0 or for a name does
// not): loopback, private (RFC 1918), shared (RFC 6598), link-local,
// unique-local (RFC 4193), site-local, multicast, unspecified, reserved and
// broadcast, and IPv6 forms that embed an IPv4 address (IPv4-mapped,
// IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16), which are judged by
// that IPv4 address. The proxy's own listening endpoints are denied unless
// a rule lists that single address (/32, /128) and that port.

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opes/host/host_target.hpp"

namespace opes::host {

using boost::asio::ip::address;

/// Where HOST is served.
enum class HostProtocol { smtp, pop3, imap };
std::string_view protocol_name(HostProtocol protocol);
/// The ports a rule without `ports` allows: smtp 25, 587; pop3 110; imap 143.
std::vector<std::uint16_t> standard_ports(HostProtocol protocol);
/// The port of a target that names none: smtp 25, pop3 110, imap 143.
std::uint16_t default_port(HostProtocol protocol);

/// An address block, "192.0.2.0/24" or "2001:db8::/32"; IPv4-mapped
/// addresses are compared as IPv4.
struct Network {
  address base;
  unsigned bits = 0;
  std::string text;  // as configured, for logs
  bool contains(const address& candidate) const;
  /// Whether every address of this block is in `outer`.
  bool inside(const Network& outer) const;
};
std::optional<Network> parse_network(std::string_view text);

/// How an address is used on the Internet (RFC 6890's registries).
enum class AddressClass {
  global,
  unspecified,
  loopback,
  private_network,
  shared,
  link_local,
  unique_local,
  site_local,
  multicast,
  reserved,  // 240.0.0.0/4 (broadcast included), 0.0.0.0/8, IPv4-compatible ::/96
};
/// "loopback", "private", ...: for logs and refusals.
std::string_view class_name(AddressClass address_class);

struct ClassifiedAddress {
  AddressClass address_class = AddressClass::global;
  /// The special range it falls in ("127.0.0.0/8"); empty for global.
  std::optional<Network> range;
  /// The IPv4 address an IPv6 form embeds, judged in its place.
  address judged;
};
ClassifiedAddress classify(const address& candidate);

/// What upstream TLS a rule asks for. SMTP: opportunistic (RFC 7435, the
/// default: MX hosts rarely have verifiable certificates) or starttls
/// (required; verified when `verify`); POP3 and IMAP: starttls (STLS /
/// STARTTLS, RFC 2595; the default, verified) or implicit (POP3S/IMAPS on
/// connect, RFC 8314). off: plain text.
enum class HostTls { off, opportunistic, starttls, implicit };

struct HostRule {
  std::string name;                      // names the rule in logs; default "rule N" (1-based)
  std::vector<HostProtocol> protocols;   // empty: every protocol
  std::vector<std::string> names;        // "mx.example.org" itself, ".example.org" every name below; lower case
  std::vector<Network> networks;         // the address must be in one; empty: any
  std::vector<std::uint16_t> ports;      // empty: standard_ports(protocol)
  /// The service group (callout chain) of SMTP sessions to this target;
  /// empty: the listener's. One gateway, several tenants.
  std::string service_group;
  /// Upstream TLS; unset: opportunistic for SMTP, starttls for POP3/IMAP.
  std::optional<HostTls> tls;
  bool verify = true;                    // certificate chain and the target's name (RFC 6125)
  std::optional<std::string> ca_file;    // absent: the system's trust store
};

/// An endpoint this proxy listens on (a wildcard listener contributes each
/// address of the host's interfaces).
struct OwnEndpoint {
  address ip;
  std::uint16_t port = 0;
};

/// The `host_policy` of the configuration (docs/operator-guide.md, "HOST").
struct HostPolicy {
  std::vector<HostRule> rules;  // none: every target is denied
  /// HOST only after a successful SMTP AUTH (the listener must offer AUTH).
  bool require_auth = false;
  /// HOST commands per client address in `attempt_window` (0: no limit);
  /// counted per client_key() (an IPv6 client by its /64).
  std::size_t max_attempts_per_client = 10;
  std::chrono::seconds attempt_window{60};
  /// How long a new connection waits for a client that speaks first (the
  /// draft's example: HOST before any greeting) before the proxy greets.
  std::chrono::milliseconds client_first_wait{300};
  std::chrono::seconds resolve_timeout{10};
  std::chrono::seconds connect_timeout{30};
};

struct HostDecision {
  bool allowed = false;
  const HostRule* rule = nullptr;   // the rule that allowed the target
  std::size_t rule_index = 0;       // its index in HostPolicy::rules
  std::uint16_t port = 0;           // the target's port, or the protocol's default
  std::vector<address> addresses;   // allowed: every checked address, in the resolver's order
  /// Denied: why, naming the address and its class or the missing rule
  /// ("127.0.0.1 is loopback and no rule allows it explicitly"); for the
  /// log, not the client (refusal_text() is the client's).
  std::string reason;
};

/// `resolved`: every address the name resolved to (for a literal, the
/// literal itself); an empty list is denied ("no address").
HostDecision decide(const HostPolicy& policy, HostProtocol protocol, const HostTarget& target,
                    std::span<const address> resolved, std::span<const OwnEndpoint> own);

}  // namespace opes::host
