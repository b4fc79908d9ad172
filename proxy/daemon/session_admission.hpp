#pragma once
// Whether a new client gets a session at all, for every front-end (SMTP,
// POP3): the process-wide limit (limits.max_sessions) and the per-address
// one (limits.max_sessions_per_client, anvil-like: one address cannot hold
// every slot). Each refusal is logged as `<protocol>.too_many_sessions` or
// `<protocol>.client_limit`; the front-end says it in its own protocol.

#include <atomic>
#include <cstddef>
#include <optional>
#include <string_view>

#include "gateway_context.hpp"
#include "ocp/expected.hpp"
#include "opes/proxy/client_limits.hpp"
#include "opes/proxy/mail_stream.hpp"

namespace opes::proxy {

/// A session's slot: the global count and the address's lease, both given
/// back when it goes, whatever path ends the session.
class SessionSlot {
 public:
  SessionSlot(std::atomic<std::size_t>& open, std::optional<ClientLimits::Lease> lease)
      : open_(&open), lease_(std::move(lease)) {}
  SessionSlot(SessionSlot&& other) noexcept
      : open_(std::exchange(other.open_, nullptr)), lease_(std::move(other.lease_)) {}
  SessionSlot& operator=(SessionSlot&&) = delete;
  SessionSlot(const SessionSlot&) = delete;
  ~SessionSlot() {
    if (open_) open_->fetch_sub(1);
  }

 private:
  std::atomic<std::size_t>* open_;
  std::optional<ClientLimits::Lease> lease_;
};

enum class SessionRefusal {
  too_many_sessions,     // limits.max_sessions: the proxy is full
  too_many_from_address  // limits.max_sessions_per_client
};

/// `protocol`: "smtp", "pop3", for the log events.
ocp::Expected<SessionSlot, SessionRefusal> admit_session(GatewayContext& context, const MailStream& client,
                                                         std::string_view protocol);

}  // namespace opes::proxy
