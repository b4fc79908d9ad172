#include <array>

#include "opes/host/host_policy.hpp"

namespace opes::host {

namespace {

using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;

struct SpecialRange {
  const char* network;
  AddressClass address_class;
};

// RFC 6890's special-purpose registries, the part a mail proxy must not be
// steered to. Order: the most specific first (0.0.0.0 before 0.0.0.0/8).
constexpr std::array kIpv4Ranges{
    SpecialRange{"0.0.0.0/32", AddressClass::unspecified},
    SpecialRange{"0.0.0.0/8", AddressClass::reserved},  // "this network", RFC 1122 §3.2.1.3
    SpecialRange{"10.0.0.0/8", AddressClass::private_network},       // RFC 1918
    SpecialRange{"100.64.0.0/10", AddressClass::shared},             // RFC 6598
    SpecialRange{"127.0.0.0/8", AddressClass::loopback},             // RFC 1122 §3.2.1.3
    SpecialRange{"169.254.0.0/16", AddressClass::link_local},        // RFC 3927
    SpecialRange{"172.16.0.0/12", AddressClass::private_network},
    SpecialRange{"192.168.0.0/16", AddressClass::private_network},
    SpecialRange{"224.0.0.0/4", AddressClass::multicast},            // RFC 5771
    SpecialRange{"240.0.0.0/4", AddressClass::reserved},             // RFC 1112 §4, broadcast included
};

constexpr std::array kIpv6Ranges{
    SpecialRange{"::/128", AddressClass::unspecified},   // RFC 4291 §2.5.2
    SpecialRange{"::1/128", AddressClass::loopback},     // RFC 4291 §2.5.3
    SpecialRange{"::/96", AddressClass::reserved},       // IPv4-compatible, deprecated (RFC 4291 §2.5.5.1)
    SpecialRange{"fe80::/10", AddressClass::link_local}, // RFC 4291 §2.5.6
    SpecialRange{"fec0::/10", AddressClass::site_local}, // RFC 3879
    SpecialRange{"fc00::/7", AddressClass::unique_local},// RFC 4193
    SpecialRange{"ff00::/8", AddressClass::multicast},   // RFC 4291 §2.7
};

template <std::size_t N>
std::vector<Network> parsed(const std::array<SpecialRange, N>& ranges) {
  std::vector<Network> out;
  for (const auto& range : ranges) out.push_back(*parse_network(range.network));
  return out;
}

const std::vector<Network>& ipv4_networks() {
  static const std::vector<Network> networks = parsed(kIpv4Ranges);
  return networks;
}

const std::vector<Network>& ipv6_networks() {
  static const std::vector<Network> networks = parsed(kIpv6Ranges);
  return networks;
}

ClassifiedAddress classify_v4(const address_v4& candidate) {
  ClassifiedAddress out;
  out.judged = candidate;
  const auto& networks = ipv4_networks();
  for (std::size_t i = 0; i < networks.size(); ++i) {
    if (networks[i].contains(candidate)) {
      out.address_class = kIpv4Ranges[i].address_class;
      out.range = networks[i];
      break;
    }
  }
  return out;
}

/// The IPv6 block `prefix_bits` long at `prefix` that carries the IPv4
/// range `range` from bit `offset` on: the IPv6 form of that special range
/// (for NAT64 and 6to4, so that a rule must name the IPv6 form).
Network embedded_range(const address_v6& prefix, unsigned offset, const Network& range) {
  auto bytes = prefix.to_bytes();
  const auto v4 = range.base.to_v4().to_bytes();
  for (std::size_t i = 0; i < 4; ++i) bytes[offset / 8 + i] = v4[i];
  Network out;
  out.base = address_v6(bytes);
  out.bits = offset + range.bits;
  out.text = out.base.to_string() + "/" + std::to_string(out.bits);
  return out;
}

address_v4 v4_at(const address_v6::bytes_type& bytes, std::size_t first) {
  return address_v4({bytes[first], bytes[first + 1], bytes[first + 2], bytes[first + 3]});
}

}  // namespace

std::string_view class_name(AddressClass address_class) {
  switch (address_class) {
    case AddressClass::global: return "global";
    case AddressClass::unspecified: return "unspecified";
    case AddressClass::loopback: return "loopback";
    case AddressClass::private_network: return "private";
    case AddressClass::shared: return "shared";
    case AddressClass::link_local: return "link-local";
    case AddressClass::unique_local: return "unique-local";
    case AddressClass::site_local: return "site-local";
    case AddressClass::multicast: return "multicast";
    case AddressClass::reserved: return "reserved";
  }
  return "unknown";
}

ClassifiedAddress classify(const address& candidate) {
  if (candidate.is_v4()) return classify_v4(candidate.to_v4());
  const address_v6 v6 = candidate.to_v6();
  const auto bytes = v6.to_bytes();
  // IPv4-mapped (RFC 4291 §2.5.5.2): the socket layer connects to the IPv4
  // address itself; its range is the IPv4 one, which Network::contains
  // compares mapped addresses against.
  if (v6.is_v4_mapped()) return classify_v4(v4_at(bytes, 12));
  static const Network nat64 = *parse_network("64:ff9b::/96");  // RFC 6052 §2.1
  static const Network six_to_four = *parse_network("2002::/16");  // RFC 3056 §2
  for (const auto* translator : {&nat64, &six_to_four}) {
    if (!translator->contains(candidate)) continue;
    const unsigned offset = translator == &nat64 ? 96 : 16;
    auto inner = classify_v4(v4_at(bytes, offset / 8));
    if (inner.range) inner.range = embedded_range(translator->base.to_v6(), offset, *inner.range);
    return inner;
  }
  ClassifiedAddress out;
  out.judged = candidate;
  const auto& networks = ipv6_networks();
  for (std::size_t i = 0; i < networks.size(); ++i) {
    if (networks[i].contains(candidate)) {
      out.address_class = kIpv6Ranges[i].address_class;
      out.range = networks[i];
      break;
    }
  }
  return out;
}

}  // namespace opes::host
