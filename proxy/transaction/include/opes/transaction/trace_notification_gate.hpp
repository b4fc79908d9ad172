#pragma once
// Whether an opestrace notification may go out now: the client may ask for
// one (tracing.notify) and the rate limits leave room (tracing.notify_rate).
// One budget for the whole process: every thread's sessions share it.

#include <string_view>

#include "opes/processor/notification_rate_limiter.hpp"
#include "opes/proxy/config.hpp"

namespace opes::proxy {

/// tracing.notify: relay_clients believes a client in relay.clients (the
/// proxy has no AUTH yet; authenticated clients will count too), anyone
/// believes every client, nobody none.
bool may_request_trace_notification(const ProxyConfig& config, std::string_view client_address);

/// Counts a notification to `sender` now when the limits admit it. The
/// limits are those of `tracing`; when they change (a reload), counting
/// starts again.
processor::NotificationRateLimiter::Verdict admit_trace_notification(const Tracing& tracing,
                                                                     std::string_view sender);

}  // namespace opes::proxy
