#include "callout_clients.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;
using support::log;
using support::LogLevel;

asio::awaitable<void> sleep_until(std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

processor::CalloutPool make_policy(const CalloutSettings& settings) {
  std::vector<std::string> addresses;
  for (const CalloutServer& server : settings.servers)
    addresses.push_back(server.address + ":" + std::to_string(server.port));
  // The configuration requires at least one server.
  return std::move(*processor::CalloutPool::make(std::move(addresses)));
}

}  // namespace

processor::LinkSettings make_link_settings(const CalloutSettings& settings) {
  processor::LinkSettings link;
  for (const ServiceGroup& group : settings.service_groups) {
    std::vector<std::string> uris;
    for (const ServiceSettings& service : group.services) uris.push_back(service.uri);
    link.service_groups.push_back(std::move(uris));
  }
  link.timeouts.command_answer = settings.answer_timeout;
  link.timeouts.content_answer = settings.content_timeout;
  link.timeouts.negotiation = settings.connect_timeout;
  link.max_open_transactions = settings.max_transactions_per_connection;
  return link;
}

CalloutClients::CalloutClients(asio::any_io_executor executor, const CalloutSettings& settings,
                               processor::LinkSettings link_settings, std::vector<TlsContext> tls)
    : executor_(std::move(executor)),
      settings_(settings),
      link_settings_(std::move(link_settings)),
      tls_(std::move(tls)),
      policy_(make_policy(settings)),
      connections_(settings.servers.size()),
      connecting_(settings.servers.size(), 0),
      connection_changed_(executor_) {}

std::shared_ptr<CalloutConnection> CalloutClients::connection_with_room(std::size_t server) const {
  // The first connections_per_server ready connections share the load
  // (least loaded first); the extra ones are filled oldest first, so that
  // the newest drain and close again when the demand falls.
  const std::size_t room = link_settings_.max_open_transactions;
  std::shared_ptr<CalloutConnection> best;
  std::size_t seen = 0;
  for (const auto& connection : connections_[server]) {
    if (!connection->ready()) continue;
    const bool base = seen++ < settings_.connections_per_server;
    if (!base && best) break;
    if (connection->open_transactions() >= room) continue;
    if (!best || connection->open_transactions() < best->open_transactions()) best = connection;
  }
  return best;
}

void CalloutClients::close_idle_extras(std::size_t server) {
  const auto idle_since = std::chrono::steady_clock::now() - settings_.idle_timeout;
  std::size_t seen = 0;
  for (const auto& connection : connections_[server]) {
    if (!connection->ready()) continue;
    if (seen++ < settings_.connections_per_server) continue;
    if (connection->open_transactions() == 0 && connection->last_used() <= idle_since) {
      log(LogLevel::info, "callout.idle_closed",
          {{"server", connection->address()},
           {"idle_seconds", std::to_string(settings_.idle_timeout.count())}});
      connection->close();  // RFC 4037 §11.2: CE, nothing open to end with it
    }
  }
}

asio::awaitable<std::shared_ptr<CalloutConnection>> CalloutClients::connect(std::size_t server) {
  auto connection = std::make_shared<CalloutConnection>(
      executor_, server, settings_.servers[server], link_settings_, tls_[server],
      [this, alive = alive_](std::size_t index, const std::string& reason) {
        if (*alive && !stopped_) policy_.record_failure(index, processor::PoolClock::now(), reason);
      });
  ++connecting_[server];
  const bool ready = co_await connection->open(settings_.connect_timeout);
  --connecting_[server];
  if (ready) connections_[server].push_back(connection);
  connection_changed_.notify_all();
  if (ready && closing_) {
    // Opened while the proxy began to shut down: it ends with CE at once.
    connection->close();
    closed_connections_.push_back(connection);
    co_return nullptr;
  }
  if (!ready) {
    const std::string reason = connection->failure();
    log(LogLevel::warning, "callout.unreachable",
        {{"server", connection->address()}, {"reason", reason}});
    policy_.record_failure(server, processor::PoolClock::now(), reason);
    connection->stop();
    co_return nullptr;
  }
  policy_.record_connected(server, processor::PoolClock::now());
  co_return connection;
}

asio::awaitable<std::shared_ptr<CalloutConnection>> CalloutClients::acquire() {
  forget_dead();
  const auto deadline = std::chrono::steady_clock::now() + settings_.connect_timeout;
  // Each server at most once per call: when all fail, the caller's failure
  // policy applies at once instead of after every backoff.
  for (std::size_t attempt = 0; attempt < settings_.servers.size() + 1 && !stopped_ && !closing_;
       ++attempt) {
    const auto chosen = policy_.choose(processor::PoolClock::now());
    if (!chosen) break;
    const std::size_t server = *chosen;
    for (;;) {
      auto best = connection_with_room(server);
      // A server handed out as a probe that still has a working connection
      // is up again.
      if (best && !policy_.server(server).up)
        policy_.record_connected(server, processor::PoolClock::now());
      const std::size_t total = connections_[server].size() + connecting_[server];
      // A further connection is opened for load only while the others are busy.
      if (best && (best->open_transactions() == 0 || total >= settings_.connections_per_server))
        co_return best;
      if (total < settings_.connections_per_server) {
        if (auto fresh = co_await connect(server)) co_return fresh;
        break;  // the next server
      }
      if (best) co_return best;
      // Every ready connection is full (or none is ready yet): one more, up to
      // the maximum; one attempt at a time, as it brings room for many.
      if (connecting_[server] == 0) {
        if (total >= settings_.max_connections_per_server) {
          log(LogLevel::warning, "callout.pool_full",
              {{"server", policy_.server(server).address},
               {"connections", std::to_string(total)},
               {"limit", "callout.max_connections_per_server"}});
          break;
        }
        log(LogLevel::info, "callout.pool_growing",
            {{"server", policy_.server(server).address},
             {"connections", std::to_string(total + 1)}});
        if (auto fresh = co_await connect(server)) co_return fresh;
        break;
      }
      // A connection is being opened: wait for it.
      if (std::chrono::steady_clock::now() >= deadline || stopped_) break;
      co_await (connection_changed_.wait() || sleep_until(deadline));
    }
  }
  co_return nullptr;
}

void CalloutClients::transaction_started(const CalloutConnection& connection) {
  policy_.record_transaction_started(connection.server_index());
}

void CalloutClients::transaction_finished(const CalloutConnection& connection) {
  policy_.record_transaction_finished(connection.server_index());
  if (retired_) {
    // A retired configuration's sessions may still open connections; each
    // ends (CE) as soon as it has nothing open.
    for (auto& list : connections_)
      for (const auto& each : list)
        if (each->ready() && each->open_transactions() == 0) each->close();
  }
}

void CalloutClients::forget_dead() {
  for (auto& list : connections_) {
    std::erase_if(list, [](const std::shared_ptr<CalloutConnection>& connection) {
      return !connection->ready() && connection->open_transactions() == 0;
    });
  }
}

asio::awaitable<void> CalloutClients::run_health_checks() {
  asio::steady_timer timer(executor_);
  while (!stopped_ && !retired_) {
    timer.expires_after(settings_.probe_interval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_ || retired_) break;
    forget_dead();
    for (std::size_t server = 0; server < connections_.size(); ++server) {
      close_idle_extras(server);
      for (const auto& connection : connections_[server]) connection->probe();
      // A server that went down is tried again when its backoff has passed,
      // so that it takes work again as soon as it is back.
      const auto& state = policy_.server(server);
      if (!closing_ && !state.up && state.next_retry <= processor::PoolClock::now() &&
          connections_[server].empty() && connecting_[server] == 0) {
        if (co_await connect(server))
          log(LogLevel::info, "callout.recovered", {{"server", state.address}});
      }
    }
  }
}

void CalloutClients::close() {
  closing_ = true;
  for (auto& list : connections_) {
    for (const auto& connection : list) {
      connection->close();
      closed_connections_.push_back(connection);
    }
  }
}

asio::awaitable<void> CalloutClients::wait_closed(std::chrono::steady_clock::time_point deadline) {
  // RFC 4037 §11.2: the closing agent sends CE right before it closes; a
  // stop() before the writer flushed it would end the connection without.
  asio::steady_timer timer(executor_);
  for (;;) {
    std::erase_if(closed_connections_, [](const std::shared_ptr<CalloutConnection>& connection) {
      return connection->finished();
    });
    if (closed_connections_.empty() || std::chrono::steady_clock::now() >= deadline) break;
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void CalloutClients::retire() {
  // Unlike close(), new transactions of the sessions still running on this
  // configuration may open connections; each ends as soon as it is idle
  // (transaction_finished).
  retired_ = true;
  for (auto& list : connections_)
    for (const auto& connection : list) connection->close();
}

CalloutClients::~CalloutClients() { *alive_ = false; }

void CalloutClients::stop() {
  stopped_ = true;
  for (auto& list : connections_)
    for (const auto& connection : list) connection->stop();
}

}  // namespace opes::proxy
