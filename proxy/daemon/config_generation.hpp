#pragma once
// One configuration of a running opes-proxy, as the threads use it. A
// SIGHUP reload makes a new generation for new sessions; each running
// session holds the generation it started on (shared_ptr) and finishes on
// it, and a retired generation goes away with its last session: its callout
// connections end with CE once idle, its cached upstream connections close.

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstddef>
#include <memory>

#include "adaptation.hpp"
#include "callout_clients.hpp"
#include "gateway_context.hpp"
#include "opes/proxy/config.hpp"
#include "opes/proxy/delivery_cache.hpp"
#include "opes/proxy/host_attempts.hpp"
#include "opes/proxy/host_connector.hpp"
#include "proxy_daemon.hpp"

namespace opes::proxy::daemon {

/// What all threads share: the configuration snapshot and what prepare()
/// made of it (TLS contexts, trace entries).
struct SharedGeneration {
  std::shared_ptr<const ProxyConfig> config;
  Prepared prepared;
  /// The listeners' endpoints when it was made (HOST never connects there).
  std::vector<host::OwnEndpoint> own_endpoints;
};

/// One thread's share of one generation. Lives on that thread: created
/// anywhere, but start(), retire(), close(), stop() and the destruction run
/// on its executor.
class WorkerGeneration : public std::enable_shared_from_this<WorkerGeneration> {
 public:
  WorkerGeneration(asio::any_io_executor executor, std::shared_ptr<const SharedGeneration> shared,
                   std::atomic<std::size_t>& sessions, SessionDrain& drain,
                   ClientLimits& client_limits, HostAttempts& host_attempts);

  const ProxyConfig& config() const { return *shared_->config; }
  /// For a session: the context, keeping this generation alive.
  std::shared_ptr<GatewayContext> session_context();
  /// The configured listener `key` names (address and port), in this
  /// generation's configuration; null when it has none.
  const Listener* find_listener(const Listener& key) const;

  /// ODMR's process-wide part, for sessions of a configuration with odmr.
  void set_odmr(OdmrRuntime* odmr) { gateway_.odmr = odmr; }
  /// The health checks and the expiry of idle upstream connections.
  void start();
  /// Replaced by a reload: no new sessions come; the running ones finish.
  void retire();
  /// Shutting down: callout connections end with CE once idle, cached
  /// upstream connections close.
  void close();
  /// Returns once every callout connection closed by close() has written
  /// its CE and ended, or at `deadline`.
  asio::awaitable<void> wait_closed(std::chrono::steady_clock::time_point deadline);
  /// Drops every callout connection at once (the end of the shutdown).
  void stop();

 private:
  asio::any_io_executor executor_;
  std::shared_ptr<const SharedGeneration> shared_;
  CalloutClients clients_;
  PooledCalloutSource callout_source_{clients_};
  DeliveryCache upstream_connections_;
  GatewayContext gateway_;
  bool retired_ = false;
};

/// Whether two configured listeners are the same socket (address and port
/// as written, and the protocol for port 0; a service group change alone
/// keeps the socket).
bool same_socket(const Listener& a, const Listener& b);

}  // namespace opes::proxy::daemon
