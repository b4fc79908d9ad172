#pragma once
// What every SMTP session of one opes-proxy thread shares: the
// configuration, the thread's callout connections, the TLS contexts and
// the tracing entries.

#include <atomic>
#include <cstddef>
#include <span>
#include <vector>

#include "callout_clients.hpp"
#include "opes/transaction/callout_transaction.hpp"
#include "opes/proxy/client_limits.hpp"
#include "opes/processor/trace_entries.hpp"
#include "opes/proxy/config.hpp"
#include "opes/proxy/delivery_cache.hpp"
#include "opes/proxy/host_attempts.hpp"
#include "opes/proxy/tls.hpp"
#include "session_drain.hpp"

namespace opes::proxy {

struct OdmrRuntime;

struct GatewayContext {
  const ProxyConfig& config;
  CalloutClients& callout;
  TlsContext server_tls;    // null: STARTTLS is not offered
  TlsContext upstream_tls;  // null: no STARTTLS upstream (or spool delivery)
  const processor::TraceEntries& trace;
  std::atomic<std::size_t>& open_sessions;  // all threads' (limits.max_sessions)
  DeliveryCache& upstream_connections;      // this thread's idle upstream connections
  ClientLimits& client_limits;              // all threads' per-address counts
  SessionDrain& drain;                      // this thread's sessions, for the shutdown
  CalloutSource& callout_source;            // `callout` as the transaction library sees it
  /// Per destination (config.routing), its STARTTLS client context.
  const std::vector<TlsContext>& destination_tls;
  /// HOST: all threads' attempts per client address (host_policy).
  HostAttempts& host_attempts;
  /// HOST: where this proxy listens, never a target unless allowed explicitly.
  std::span<const host::OwnEndpoint> own_endpoints;
  /// HOST: per host_policy rule, its upstream TLS client context (null: off).
  const std::vector<TlsContext>& host_tls;
  /// ODMR: the hold queue and the ATRN intervals, all threads'; null
  /// without odmr settings.
  OdmrRuntime* odmr = nullptr;
};

}  // namespace opes::proxy
