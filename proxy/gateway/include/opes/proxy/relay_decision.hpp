#pragma once
// Whether opes-proxy takes a recipient (no open relay), free of I/O: the
// session asks it for every RCPT before the callout server or the upstream
// sees the recipient.

#include <string_view>

#include "opes/proxy/config.hpp"

namespace opes::proxy {

enum class RelayVerdict {
  permitted,
  not_local,       // neither the client nor the recipient's domain is ours
  sender_routing,  // the local part routes elsewhere (%, quoted @, !) and the client is not trusted
};

/// RFC 5321 §4.5.1: `Postmaster` is always taken. A client in
/// `policy.clients` may relay to anyone, with routing in the address (as
/// Postfix's trusted clients may). Any other client may send only to a
/// domain in `policy.domains`, and, unless `policy.allow_untrusted_routing`,
/// only to a mailbox without sender-specified routing: an upstream that
/// honours `user%remote@ours` would relay it (Postfix
/// `allow_untrusted_routing = no`). `recipient` is the parsed path (source
/// route dropped). An `authenticated` client (SMTP AUTH, RFC 4954 §1:
/// "relay from an authenticated client") is trusted as a relay client is;
/// everyone else keeps the no-open-relay rules.
RelayVerdict decide_relay(const RelayPolicy& policy, std::string_view client_address,
                          std::string_view recipient, bool authenticated = false);

/// For logs: "relay access", "sender-specified routing".
std::string_view describe(RelayVerdict verdict) noexcept;

}  // namespace opes::proxy
