#include "opes/processor/bypass_policy.hpp"

#include <algorithm>

#include "ascii.hpp"
#include "opes/processor/agent_id.hpp"

namespace opes::processor {

bool BypassDecision::skips(std::size_t service) const noexcept {
  return std::find(skipped.begin(), skipped.end(), service) != skipped.end();
}

BypassDecision decide_bypass(const std::vector<GroupService>& services,
                             const BypassRequest& request, const BypassPolicy& policy) {
  std::vector<bool> requested(services.size(), request.all);
  BypassDecision decision;
  for (const std::string& entry : request.entries) {
    const bool is_agent_id = entry.find(':') != std::string::npos;
    if (is_agent_id && !policy.system_agent_id.empty() &&
        same_agent_id(entry, policy.system_agent_id)) {
      std::fill(requested.begin(), requested.end(), true);
      continue;
    }
    bool named = false;
    for (std::size_t i = 0; i < services.size(); ++i) {
      const bool match = is_agent_id ? same_agent_id(entry, services[i].agent_id)
                                     : detail::iequals(entry, services[i].name);
      if (match) requested[i] = named = true;
    }
    if (!named && std::find(decision.unknown.begin(), decision.unknown.end(), entry) ==
                      decision.unknown.end()) {
      decision.unknown.push_back(entry);
    }
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    if (!requested[i]) continue;
    (policy.allow_bypass && services[i].bypassable ? decision.skipped : decision.refused)
        .push_back(i);
  }
  return decision;
}

}  // namespace opes::processor
