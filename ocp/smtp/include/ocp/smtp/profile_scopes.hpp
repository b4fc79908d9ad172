#pragma once
// smtp §3.2: "The scope of a negotiated profile is the OCP connection
// (default) or the service group specified via the SG parameter." The NO/NR's
// SG parameter carries the scope; this table keeps the enabled profiles of
// one connection and tells which one governs a transaction.

#include <optional>
#include <string>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/smtp_profile.hpp"
#include "ocp/types.hpp"

namespace ocp::smtp {

/// An SMTP profile enabled by a positive NR, with its scope: the NR's SG, or
/// nullopt for the whole connection.
struct NegotiatedProfile {
  SmtpProfile profile;
  std::optional<ServiceGroupId> scope;
};

/// RFC 4037 §6.1: a feature that conflicts with an enabled one must be
/// rejected, and scope does not resolve conflicts. Two SMTP profiles
/// conflict when their scopes overlap: a connection-scoped profile overlaps
/// every other, two SG-scoped ones overlap when they name the same SG.
struct ScopeConflict {
  std::optional<ServiceGroupId> scope;  // of the profile already enabled

  std::string describe() const;
};

class ProfileScopes {
 public:
  /// Whether a profile with this scope could be enabled now. A callout
  /// server asks this before answering an offer, and rejects the feature
  /// when it conflicts.
  Expected<void, ScopeConflict> check(std::optional<ServiceGroupId> scope) const;
  /// Enables a negotiated profile (after a positive NR was sent or received).
  Expected<void, ScopeConflict> enable(NegotiatedProfile negotiated);
  /// SGD: a profile scoped to that service group ends with it.
  void forget(ServiceGroupId sg_id);

  /// The profile that governs transactions on this service group (RFC 4037
  /// §6.1: SG-scoped for that group, else connection-scoped), or nullptr: a
  /// transaction without a profile.
  const SmtpProfile* governing(ServiceGroupId sg_id) const noexcept;

  const std::vector<NegotiatedProfile>& enabled() const noexcept { return enabled_; }

 private:
  std::vector<NegotiatedProfile> enabled_;
};

}  // namespace ocp::smtp
