#include "config_generation.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace opes::proxy::daemon {

namespace {

namespace asio = boost::asio;

/// Closes idle cached upstream connections after a few seconds, for as long
/// as the generation lives (it does not keep it alive).
asio::awaitable<void> expire_idle_upstreams(std::weak_ptr<WorkerGeneration> generation,
                                            DeliveryCache& cache) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    auto alive = generation.lock();
    if (!alive) co_return;
    cache.expire();
  }
}

}  // namespace

WorkerGeneration::WorkerGeneration(asio::any_io_executor executor,
                                   std::shared_ptr<const SharedGeneration> shared,
                                   std::atomic<std::size_t>& sessions, SessionDrain& drain,
                                   ClientLimits& client_limits, HostAttempts& host_attempts)
    : executor_(executor),
      shared_(std::move(shared)),
      clients_(executor_, shared_->config->callout, make_link_settings(shared_->config->callout),
               shared_->prepared.callout_tls),
      gateway_{*shared_->config,
               clients_,
               shared_->prepared.server_tls,
               shared_->prepared.upstream_tls,
               shared_->prepared.trace,
               sessions,
               upstream_connections_,
               client_limits,
               drain,
               callout_source_,
               shared_->prepared.destination_tls,
               host_attempts,
               shared_->own_endpoints,
               shared_->prepared.host_tls} {}

std::shared_ptr<GatewayContext> WorkerGeneration::session_context() {
  // Aliasing: the session sees its context and owns the generation.
  return std::shared_ptr<GatewayContext>(shared_from_this(), &gateway_);
}

const Listener* WorkerGeneration::find_listener(const Listener& key) const {
  for (const Listener& listener : shared_->config->listeners)
    if (same_socket(listener, key)) return &listener;
  return nullptr;
}

void WorkerGeneration::start() {
  asio::co_spawn(
      executor_,
      [self = shared_from_this()]() -> asio::awaitable<void> {
        // Returns once retired or stopped; until then it keeps the
        // generation (and so its connections' CalloutClients) alive.
        co_await self->clients_.run_health_checks();
      },
      asio::detached);
  asio::co_spawn(executor_, expire_idle_upstreams(weak_from_this(), upstream_connections_),
                 asio::detached);
}

void WorkerGeneration::retire() {
  if (retired_) return;
  retired_ = true;
  clients_.retire();
  // Sessions still running here give their upstream connection back: it
  // is closed rather than kept for a session of the new configuration.
  upstream_connections_.close();
}

void WorkerGeneration::close() {
  clients_.close();
  upstream_connections_.close();
}

asio::awaitable<void> WorkerGeneration::wait_closed(std::chrono::steady_clock::time_point deadline) {
  co_await clients_.wait_closed(deadline);
}

void WorkerGeneration::stop() { clients_.stop(); }

bool same_socket(const Listener& a, const Listener& b) {
  // Port 0 (any free port) on one address is not one socket: an SMTP and an
  // ODMR or POP3 listener both on port 0 would otherwise share the first's
  // settings. Their protocol tells them apart (two of one protocol on port 0
  // still count as one).
  return a.address == b.address && a.port == b.port && (a.port != 0 || a.protocol == b.protocol);
}

}  // namespace opes::proxy::daemon
