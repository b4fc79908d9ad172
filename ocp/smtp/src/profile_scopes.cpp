#include "ocp/smtp/profile_scopes.hpp"

#include <algorithm>

namespace ocp::smtp {

namespace {

bool overlap(std::optional<ServiceGroupId> a, std::optional<ServiceGroupId> b) {
  // RFC 4037 §6.1: "Scope does not resolve conflicts": a connection-scoped
  // profile covers every service group.
  return !a || !b || *a == *b;
}

}  // namespace

std::string ScopeConflict::describe() const {
  const std::string where =
      scope ? "service group " + std::to_string(scope->value) : std::string("the connection");
  return "RFC 4037 §6.1: an SMTP profile is already enabled for " + where;
}

Expected<void, ScopeConflict> ProfileScopes::check(std::optional<ServiceGroupId> scope) const {
  for (const NegotiatedProfile& enabled : enabled_) {
    if (overlap(enabled.scope, scope)) return unexpected(ScopeConflict{enabled.scope});
  }
  return {};
}

Expected<void, ScopeConflict> ProfileScopes::enable(NegotiatedProfile negotiated) {
  if (auto free = check(negotiated.scope); !free) return free;
  enabled_.push_back(std::move(negotiated));
  return {};
}

void ProfileScopes::forget(ServiceGroupId sg_id) {
  std::erase_if(enabled_, [&](const NegotiatedProfile& enabled) { return enabled.scope == sg_id; });
}

const SmtpProfile* ProfileScopes::governing(ServiceGroupId sg_id) const noexcept {
  // At most one enabled profile overlaps any group (enable refuses
  // conflicts), so the first that covers it is the one.
  for (const NegotiatedProfile& enabled : enabled_) {
    if (!enabled.scope || *enabled.scope == sg_id) return &enabled.profile;
  }
  return nullptr;
}

}  // namespace ocp::smtp
