#include "session_admission.hpp"

#include <string>

#include "opes/support/log.hpp"
#include "smtp_session_impl.hpp"

namespace opes::proxy {

using support::log;
using support::LogLevel;

ocp::Expected<SessionSlot, SessionRefusal> admit_session(GatewayContext& context, const MailStream& client,
                                                         std::string_view protocol) {
  const std::string prefix(protocol);
  if (context.open_sessions.fetch_add(1) >= context.config.limits.max_sessions) {
    context.open_sessions.fetch_sub(1);
    log(LogLevel::warning, prefix + ".too_many_sessions", {{"peer", client.peer()}});
    return ocp::unexpected(SessionRefusal::too_many_sessions);
  }
  std::optional<ClientLimits::Lease> lease;
  if (!client_limits_exempt(context.config, connection_origin(client))) {
    lease = context.client_limits.try_acquire(ClientLimits::Kind::session, client.peer_address());
    if (!lease) {
      context.open_sessions.fetch_sub(1);
      log(LogLevel::warning, prefix + ".client_limit",
          {{"peer", client.peer()},
           {"limit", "limits.max_sessions_per_client"},
           {"max", std::to_string(context.client_limits.limit(ClientLimits::Kind::session))}});
      return ocp::unexpected(SessionRefusal::too_many_from_address);
    }
  }
  return SessionSlot(context.open_sessions, std::move(lease));
}

}  // namespace opes::proxy
