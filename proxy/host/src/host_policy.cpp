#include "opes/host/host_policy.hpp"

#include <algorithm>

namespace opes::host {

namespace {

/// An address as compared with the proxy's own endpoints: IPv4-mapped as
/// IPv4, an IPv6 zone ignored (getifaddrs gives link-local addresses one).
std::vector<unsigned char> comparable(const address& candidate) {
  if (candidate.is_v6() && candidate.to_v6().is_v4_mapped()) {
    const auto v4 = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, candidate.to_v6()).to_bytes();
    return {v4.begin(), v4.end()};
  }
  if (candidate.is_v4()) {
    const auto v4 = candidate.to_v4().to_bytes();
    return {v4.begin(), v4.end()};
  }
  const auto v6 = candidate.to_v6().to_bytes();
  return {v6.begin(), v6.end()};
}

bool is_own(const address& candidate, std::uint16_t port, std::span<const OwnEndpoint> own) {
  const auto key = comparable(candidate);
  return std::any_of(own.begin(), own.end(),
                     [&](const OwnEndpoint& e) { return e.port == port && comparable(e.ip) == key; });
}

bool name_matches(const std::string& pattern, const std::string& name) {
  if (!pattern.empty() && pattern.front() == '.')
    return name.size() > pattern.size() && name.compare(name.size() - pattern.size(), pattern.size(), pattern) == 0;
  return name == pattern;
}

/// Whether the rule's protocol, port and name criteria admit the target.
bool rule_admits_target(const HostRule& rule, HostProtocol protocol, const HostTarget& target, std::uint16_t port) {
  if (!rule.protocols.empty() &&
      std::find(rule.protocols.begin(), rule.protocols.end(), protocol) == rule.protocols.end())
    return false;
  const auto ports = rule.ports.empty() ? standard_ports(protocol) : rule.ports;
  if (std::find(ports.begin(), ports.end(), port) == ports.end()) return false;
  if (rule.names.empty()) return true;
  // Name patterns are domains: a literal matches none of them.
  if (target.literal) return false;
  return std::any_of(rule.names.begin(), rule.names.end(),
                     [&](const std::string& pattern) { return name_matches(pattern, target.name); });
}

enum class AddressVerdict { allowed, outside_networks, special, own_endpoint };

AddressVerdict judge_address(const HostRule& rule, const address& candidate, std::uint16_t port,
                             std::span<const OwnEndpoint> own) {
  if (!rule.networks.empty() &&
      std::none_of(rule.networks.begin(), rule.networks.end(),
                   [&](const Network& n) { return n.contains(candidate); }))
    return AddressVerdict::outside_networks;
  const ClassifiedAddress classified = classify(candidate);
  if (classified.address_class != AddressClass::global) {
    const Network& range = *classified.range;
    const bool explicit_rule = std::any_of(rule.networks.begin(), rule.networks.end(), [&](const Network& n) {
      return n.contains(candidate) && n.inside(range);
    });
    if (!explicit_rule) return AddressVerdict::special;
  }
  if (is_own(candidate, port, own)) {
    const bool single = std::any_of(rule.networks.begin(), rule.networks.end(), [&](const Network& n) {
      return n.contains(candidate) && n.bits == (n.base.is_v4() ? 32u : 128u);
    });
    const bool port_listed = std::find(rule.ports.begin(), rule.ports.end(), port) != rule.ports.end();
    if (!single || !port_listed) return AddressVerdict::own_endpoint;
  }
  return AddressVerdict::allowed;
}

std::string address_reason(const address& candidate, std::uint16_t port, AddressVerdict verdict) {
  const std::string text = candidate.to_string();
  switch (verdict) {
    case AddressVerdict::special:
      return text + " is " + std::string(class_name(classify(candidate).address_class)) +
             " and no rule allows it explicitly";
    case AddressVerdict::own_endpoint:
      return text + " port " + std::to_string(port) +
             " is this proxy's own endpoint and no rule allows it explicitly";
    case AddressVerdict::outside_networks:
    case AddressVerdict::allowed:
      break;
  }
  return text + " is in no network of a rule for this target";
}

}  // namespace

std::string_view protocol_name(HostProtocol protocol) {
  switch (protocol) {
    case HostProtocol::smtp: return "smtp";
    case HostProtocol::pop3: return "pop3";
    case HostProtocol::imap: return "imap";
  }
  return "unknown";
}

std::vector<std::uint16_t> standard_ports(HostProtocol protocol) {
  switch (protocol) {
    case HostProtocol::smtp: return {25, 587};
    case HostProtocol::pop3: return {110};
    case HostProtocol::imap: return {143};
  }
  return {};
}

std::uint16_t default_port(HostProtocol protocol) {
  switch (protocol) {
    case HostProtocol::smtp: return 25;
    case HostProtocol::pop3: return 110;
    case HostProtocol::imap: return 143;
  }
  return 0;
}

HostDecision decide(const HostPolicy& policy, HostProtocol protocol, const HostTarget& target,
                    std::span<const address> resolved, std::span<const OwnEndpoint> own) {
  HostDecision decision;
  decision.port = target.port != 0 ? target.port : default_port(protocol);
  const std::string target_text = [&] {
    HostTarget shown = target;
    shown.port = decision.port;
    return shown.text();
  }();
  if (resolved.empty()) {
    decision.reason = target_text + " has no address";
    return decision;
  }
  std::vector<const HostRule*> candidates;
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const HostRule& rule = policy.rules[i];
    if (!rule_admits_target(rule, protocol, target, decision.port)) continue;
    candidates.push_back(&rule);
    const bool every = std::all_of(resolved.begin(), resolved.end(), [&](const address& a) {
      return judge_address(rule, a, decision.port, own) == AddressVerdict::allowed;
    });
    if (!every) continue;
    decision.allowed = true;
    decision.rule = &rule;
    decision.rule_index = i;
    decision.addresses.assign(resolved.begin(), resolved.end());
    return decision;
  }
  if (candidates.empty()) {
    decision.reason = "no rule allows " + target_text + " for " + std::string(protocol_name(protocol));
    return decision;
  }
  // Name the first address no candidate rule allows, with what the first
  // candidate rule found wrong with it.
  for (const address& a : resolved) {
    const bool some_rule = std::any_of(candidates.begin(), candidates.end(), [&](const HostRule* rule) {
      return judge_address(*rule, a, decision.port, own) == AddressVerdict::allowed;
    });
    if (some_rule) continue;
    AddressVerdict worst = AddressVerdict::outside_networks;
    for (const HostRule* rule : candidates) {
      const auto verdict = judge_address(*rule, a, decision.port, own);
      if (verdict != AddressVerdict::outside_networks) {
        worst = verdict;
        break;
      }
    }
    decision.reason = address_reason(a, decision.port, worst);
    return decision;
  }
  decision.reason = "no single rule allows every address of " + target_text;
  return decision;
}

}  // namespace opes::host
