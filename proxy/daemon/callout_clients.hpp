#pragma once
// The callout servers as one thread of opes-proxy sees them: a pool of OCP
// connections to each (connections_per_server kept open, more opened while
// every open one is full, up to max_connections_per_server; an extra one
// idle for idle_timeout closed with CE), the choice of a server for each new
// transaction (least loaded among those up, failover with backoff:
// processor::CalloutPool), and the health checks (a PQ on every connection
// each probe interval; a down server retried when due).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <vector>

#include "callout_connection.hpp"
#include "opes/processor/callout_pool_policy.hpp"
#include "opes/proxy/config.hpp"

namespace opes::proxy {

class CalloutClients {
 public:
  CalloutClients(asio::any_io_executor executor, const CalloutSettings& settings,
                 processor::LinkSettings link_settings, std::vector<TlsContext> tls);

  /// A connection ready for a new transaction, connecting one when needed;
  /// nullptr when no server could be reached within the connect timeout.
  asio::awaitable<std::shared_ptr<CalloutConnection>> acquire();

  void transaction_started(const CalloutConnection& connection);
  void transaction_finished(const CalloutConnection& connection);

  /// The health check loop; returns after stop().
  asio::awaitable<void> run_health_checks();
  /// Closes every connection (CE once their transactions end); no new
  /// connection is opened after it.
  void close();
  /// Returns once every connection closed by close() has written its CE
  /// and ended, or at `deadline`.
  asio::awaitable<void> wait_closed(std::chrono::steady_clock::time_point deadline);
  void stop();
  /// A reload replaced this configuration: every connection ends with CE
  /// once its transactions are done, including those the sessions still
  /// running on it open later; the health checks end.
  void retire();
  ~CalloutClients();

 private:
  /// The connection of `server` to take the next transaction, or null when
  /// every ready one is full.
  std::shared_ptr<CalloutConnection> connection_with_room(std::size_t server) const;
  /// Closes (CE) the connections above connections_per_server idle for
  /// idle_timeout.
  void close_idle_extras(std::size_t server);
  asio::awaitable<std::shared_ptr<CalloutConnection>> connect(std::size_t server);
  void forget_dead();

  asio::any_io_executor executor_;
  const CalloutSettings& settings_;
  processor::LinkSettings link_settings_;
  std::vector<TlsContext> tls_;
  processor::CalloutPool policy_;
  std::vector<std::vector<std::shared_ptr<CalloutConnection>>> connections_;
  std::vector<std::size_t> connecting_;
  Broadcast connection_changed_;  // a connection attempt ended
  bool stopped_ = false;
  bool closing_ = false;
  // Kept until they end: forget_dead() drops a closing connection from
  // connections_ before its CE is written.
  std::vector<std::shared_ptr<CalloutConnection>> closed_connections_;
  bool retired_ = false;
  /// False once destroyed: connections may outlive their CalloutClients
  /// (a retired configuration), and their failure handler must know.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// The link settings for the configured service groups (in their order).
processor::LinkSettings make_link_settings(const CalloutSettings& settings);

}  // namespace opes::proxy
