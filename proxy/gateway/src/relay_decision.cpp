#include "opes/proxy/relay_decision.hpp"

#include <algorithm>

#include "ocp/smtp/ascii.hpp"
#include "opes/smtp/sender_routing.hpp"

namespace opes::proxy {

using ocp::smtp::ascii::iequals;

RelayVerdict decide_relay(const RelayPolicy& policy, std::string_view client_address,
                          std::string_view recipient, bool authenticated) {
  if (iequals(recipient, "postmaster")) return RelayVerdict::permitted;
  if (authenticated) return RelayVerdict::permitted;
  if (in_networks(policy.clients, client_address)) return RelayVerdict::permitted;
  if (!policy.allow_untrusted_routing && smtp::sender_routing(recipient))
    return RelayVerdict::sender_routing;
  const auto at = recipient.rfind('@');
  if (at == std::string_view::npos) return RelayVerdict::not_local;
  const std::string_view domain = recipient.substr(at + 1);
  const bool local = std::any_of(policy.domains.begin(), policy.domains.end(),
                                 [&](const std::string& allowed) { return iequals(allowed, domain); });
  return local ? RelayVerdict::permitted : RelayVerdict::not_local;
}

std::string_view describe(RelayVerdict verdict) noexcept {
  switch (verdict) {
    case RelayVerdict::permitted: return "permitted";
    case RelayVerdict::not_local: return "relay access";
    case RelayVerdict::sender_routing: return "sender-specified routing";
  }
  return "unknown";
}

}  // namespace opes::proxy
