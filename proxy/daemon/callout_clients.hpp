#pragma once
// The callout servers as one thread of opes-proxy sees them: up to
// connections_per_server OCP connections to each, the choice of a server
// for each new transaction (least loaded among those up, failover with
// backoff: processor::CalloutPool), and the health checks (a PQ on every
// connection each probe interval; a down server retried when due).

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
  /// Closes every connection (CE once their transactions end).
  void close();
  void stop();
  /// A reload replaced this configuration: every connection ends with CE
  /// once its transactions are done, including those the sessions still
  /// running on it open later; the health checks end.
  void retire();
  ~CalloutClients();

 private:
  std::shared_ptr<CalloutConnection> ready_connection(std::size_t server);
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
  bool retired_ = false;
  /// False once destroyed: connections may outlive their CalloutClients
  /// (a retired configuration), and their failure handler must know.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// The link settings for the configured service groups (in their order).
processor::LinkSettings make_link_settings(const CalloutSettings& settings);

}  // namespace opes::proxy
