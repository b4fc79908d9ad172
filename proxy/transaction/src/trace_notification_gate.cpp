#include "opes/transaction/trace_notification_gate.hpp"

#include <mutex>
#include <optional>

namespace opes::proxy {

bool may_request_trace_notification(const ProxyConfig& config, std::string_view client_address) {
  switch (config.tracing.notify) {
    case TraceNotify::anyone:
      return true;
    case TraceNotify::nobody:
      return false;
    case TraceNotify::relay_clients:
      break;
  }
  return in_networks(config.relay.clients, client_address);
}

processor::NotificationRateLimiter::Verdict admit_trace_notification(const Tracing& tracing,
                                                                     std::string_view sender) {
  static std::mutex guard;
  static std::optional<processor::NotificationRateLimiter> limiter;
  const processor::NotificationRateLimits limits{tracing.notify_window, tracing.notify_per_sender,
                                                 tracing.notify_total};
  const std::lock_guard lock(guard);
  if (!limiter || !(limiter->limits() == limits)) limiter.emplace(limits);
  return limiter->admit(sender, processor::RateClock::now());
}

}  // namespace opes::proxy
