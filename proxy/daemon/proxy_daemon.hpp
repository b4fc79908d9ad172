#pragma once
// opes-proxy running: one io_context per thread, each with its own callout
// connections and sessions; the listeners accept on the first thread and
// hand each client to the threads in turn. SIGTERM/SIGINT stop accepting
// and let open sessions finish (up to a grace period).

#include "opes/proxy/config.hpp"

namespace opes::proxy::daemon {

/// Runs until a stop signal; the exit status (0, or 1 when the listeners or
/// TLS cannot be set up, with the cause on stderr).
int run_daemon(const ProxyConfig& config);

}  // namespace opes::proxy::daemon
