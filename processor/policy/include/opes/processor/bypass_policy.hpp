#pragma once
// RFC 3897 §4 and draft-ietf-opes-smtp-00 §5: which services of a service
// group a sender's bypass request skips. §5: "The decision, if a bypass
// request is fulfilled must be taken by the OPES processors", so a request
// is honoured only for services configured as bypassable.

#include <cstddef>
#include <string>
#include <vector>

#include "opes/processor/opes_mail_parameters.hpp"

namespace opes::processor {

/// A service of the service group, in the order the group runs them.
struct GroupService {
  std::string name;      // the configured service name, matched case-insensitively
  std::string agent_id;  // its OCP service URI, the agent id it traces under
  /// Secure by default: a service (virus, spam, policy filter) is skipped at
  /// a sender's request only when the operator says so.
  bool bypassable = false;
};

struct BypassPolicy {
  /// The global switch: false refuses every request without touching the
  /// per-service flags. True by default, so the per-service flags (false by
  /// default) decide.
  bool allow_bypass = true;
  /// The OPES system's own agent id (TraceSettings::system_agent_id): a
  /// request naming it names every service of the system (RFC 3897 §4.1).
  std::string system_agent_id;
};

/// What to do with a request, by index into the group's services.
struct BypassDecision {
  std::vector<std::size_t> skipped;  // requested and bypassable: not run, ascending
  std::vector<std::size_t> refused;  // requested but protected by policy: run, ascending
  /// Entries naming none of this system's services or the system itself,
  /// in request order without repeats: ignored, since they may address
  /// another OPES system on the path (RFC 3897 §4.2).
  std::vector<std::string> unknown;

  bool skips(std::size_t service) const noexcept;

  friend bool operator==(const BypassDecision&, const BypassDecision&) = default;
};

/// An entry with a ":" names services by agent id (same_agent_id), any
/// other entry by service name; "*" and the system's own agent id name all
/// of them. A service named twice is decided once.
BypassDecision decide_bypass(const std::vector<GroupService>& services,
                             const BypassRequest& request, const BypassPolicy& policy);

}  // namespace opes::processor
