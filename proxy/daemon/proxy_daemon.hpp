#pragma once
// opes-proxy running: one io_context per thread, each with its own callout
// connections and sessions; the listeners accept on the first thread and
// hand each client to the threads in turn. SIGTERM/SIGINT stop accepting
// and let open sessions finish (up to a grace period).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/processor/trace_entries.hpp"
#include "opes/proxy/config.hpp"
#include "opes/proxy/tls.hpp"

namespace opes::proxy::daemon {

/// What the configuration needs beyond its syntax: the TLS contexts (files
/// readable, keys matching) and traceable agent ids. --check-config runs it.
struct Prepared {
  TlsContext server_tls;
  TlsContext upstream_tls;
  std::vector<TlsContext> callout_tls;  // per callout server; null without TLS
  processor::TraceEntries trace;
  /// The STARTTLS client context of each destination (config.routing), by
  /// index; null for a spool or an upstream with starttls off.
  std::vector<TlsContext> destination_tls = {};
  /// Per host_policy rule, the client context of its upstream TLS; null
  /// with tls off.
  std::vector<TlsContext> host_tls = {};
};
ocp::Expected<Prepared, std::string> prepare(const ProxyConfig& config);

/// Runs until a stop signal; the exit status (0, or 1 when the listeners or
/// TLS cannot be set up, with the cause on stderr). SIGHUP reads
/// `config_file` again (without one, there is nothing to reload).
int run_daemon(const ProxyConfig& config, std::optional<std::filesystem::path> config_file);

}  // namespace opes::proxy::daemon
