#include "proxy_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <cstdio>
#include <functional>
#include <iostream>
#include <list>
#include <thread>

#include "callout_clients.hpp"
#include "gateway_context.hpp"
#include "opes/support/log.hpp"
#include "smtp_session.hpp"

namespace opes::proxy::daemon {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using support::log;
using support::LogLevel;

/// After the grace period: for the cut sessions' 421 and their upstream RSET
/// and QUIT, then for the callout connections' CE.
constexpr auto kShutdownFarewell = std::chrono::seconds(10);
constexpr auto kCalloutFarewell = std::chrono::seconds(5);

struct Worker {
  Worker(const ProxyConfig& config, std::vector<TlsContext> callout_tls, TlsContext server_tls,
         TlsContext upstream_tls, const processor::TraceEntries& trace,
         std::atomic<std::size_t>& sessions, ClientLimits& client_limits)
      : clients(context.get_executor(), config.callout, make_link_settings(config.callout),
                std::move(callout_tls)),
        gateway{config,   clients, std::move(server_tls), std::move(upstream_tls), trace, sessions,
                upstream_connections, client_limits, drain} {}

  // Before the io_context: sessions still suspended when it stops are
  // destroyed with it, and each leaves the drain then.
  SessionDrain drain;
  asio::io_context context{1};
  CalloutClients clients;
  DeliveryCache upstream_connections;
  GatewayContext gateway;
};

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

asio::awaitable<void> accept_clients(tcp::acceptor& acceptor, const Listener& listener,
                                     std::list<Worker>& workers, std::atomic<bool>& stopping) {
  auto next = workers.begin();
  while (!stopping) {
    Worker& worker = *next;
    if (++next == workers.end()) next = workers.begin();
    auto [error, socket] = co_await acceptor.async_accept(
        worker.context.get_executor(), asio::as_tuple(asio::use_awaitable));
    if (error) {
      if (stopping || error == asio::error::operation_aborted) break;
      // EMFILE and the like: wait a little instead of spinning.
      log(LogLevel::error, "proxy.accept_failed", {{"cause", error.message()}});
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(worker.context, serve_smtp_client(worker.gateway, std::move(socket), listener),
                   asio::detached);
  }
}

/// Idle cached upstream connections are closed after a few seconds.
asio::awaitable<void> expire_idle_upstreams(DeliveryCache& cache, std::atomic<bool>& stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    cache.expire();
  }
}

asio::awaitable<void> wait_for_sessions(const SessionDrain& drain,
                                        std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (drain.sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

/// One thread's part of a stop signal, on that thread: no new transaction
/// anywhere, sessions told 421 4.3.2 as they wind down (SessionDrain), the
/// callout connections ended with CE once their transactions are over
/// (RFC 4037 §11.2), then the thread stops.
asio::awaitable<void> drain_worker(Worker& worker,
                                   std::chrono::steady_clock::time_point grace_end) {
  worker.drain.advance(SessionDrain::Phase::draining);
  worker.clients.close();
  worker.upstream_connections.close();
  co_await wait_for_sessions(worker.drain, grace_end);
  if (worker.drain.sessions() > 0) {
    log(LogLevel::warning, "proxy.grace_over",
        {{"sessions", std::to_string(worker.drain.sessions())}});
    worker.drain.advance(SessionDrain::Phase::cutting);
    co_await wait_for_sessions(worker.drain, std::chrono::steady_clock::now() + kShutdownFarewell);
  }
  co_await worker.clients.wait_closed(std::chrono::steady_clock::now() + kCalloutFarewell);
  worker.clients.stop();
  worker.context.stop();
}

}  // namespace

ocp::Expected<Prepared, std::string> prepare(const ProxyConfig& config) {
  TlsContext server_tls;
  if (config.tls) {
    auto made = make_server_tls(*config.tls);
    if (!made) return ocp::unexpected("tls: " + made.error());
    server_tls = *made;
  }
  TlsContext upstream_tls;
  if (config.upstream && config.upstream->starttls != UpstreamTls::off) {
    auto made = make_client_tls(config.upstream->check);
    if (!made) return ocp::unexpected("upstream.tls: " + made.error());
    upstream_tls = *made;
  }
  std::vector<TlsContext> callout_tls;
  for (const CalloutServer& server : config.callout.servers) {
    if (!server.tls) {
      callout_tls.push_back(nullptr);
      continue;
    }
    auto made = make_client_tls(*server.tls, server.client_identity);
    if (!made) return ocp::unexpected("callout server " + server.address + ": " + made.error());
    callout_tls.push_back(*made);
  }
  auto trace = processor::TraceEntries::make({config.tracing.agent_id, config.tracing.opes_via, {}});
  if (!trace) return ocp::unexpected("tracing.agent_id: " + trace.error().reason);
  // Every service URI must make a valid trace entry (draft §4.1): found
  // out here, not on every message.
  for (const ServiceGroup& group : config.callout.service_groups) {
    for (const ServiceSettings& service : group.services) {
      if (auto checked = processor::check_trace_entry({service.uri, {}}); !checked) {
        return ocp::unexpected("callout.service_groups '" + group.name + "': service uri '" +
                               service.uri + "' cannot be traced: " + checked.error().reason);
      }
    }
  }
  return Prepared{std::move(server_tls), std::move(upstream_tls), std::move(callout_tls),
                  std::move(*trace)};
}

int run_daemon(const ProxyConfig& config) {
  std::error_code directory_error;
  std::filesystem::create_directories(config.work_directory, directory_error);
  if (directory_error) {
    std::cerr << "opes-proxy: work_directory " << config.work_directory << ": "
              << directory_error.message() << "\n";
    return 1;
  }

  auto prepared = prepare(config);
  if (!prepared) {
    std::cerr << "opes-proxy: " << prepared.error() << "\n";
    return 1;
  }
  auto& [server_tls, upstream_tls, callout_tls, trace] = *prepared;

  std::atomic<std::size_t> sessions{0};
  // One table for every thread, declared before the workers: the sessions'
  // leases (destroyed with the workers' io_contexts) give their counts back
  // to it.
  ClientLimits client_limits({config.limits.max_sessions_per_client,
                              config.limits.max_transactions_per_client});
  std::list<Worker> workers;  // stable addresses: sessions refer to their worker
  for (unsigned i = 0; i < config.threads; ++i)
    workers.emplace_back(config, callout_tls, server_tls, upstream_tls, trace, sessions,
                         client_limits);
  asio::io_context& main_context = workers.front().context;

  std::list<tcp::acceptor> acceptors;
  for (const Listener& listener : config.listeners) {
    boost::system::error_code error;
    const auto address = asio::ip::make_address(listener.address, error);
    tcp::acceptor& acceptor = acceptors.emplace_back(main_context);
    if (!error) {
      const tcp::endpoint endpoint(address, listener.port);
      acceptor.open(endpoint.protocol(), error);
      if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
      if (!error) acceptor.bind(endpoint, error);
      if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
      std::cerr << "opes-proxy: cannot listen on " << listener.address << ":" << listener.port
                << ": " << error.message() << "\n";
      return 1;
    }
  }

  std::atomic<bool> stopping{false};
  auto listener = config.listeners.begin();
  for (tcp::acceptor& acceptor : acceptors) {
    std::cout << "opes-proxy listening on " << endpoint_text(acceptor.local_endpoint()) << std::endl;
    asio::co_spawn(main_context, accept_clients(acceptor, *listener++, workers, stopping),
                   asio::detached);
  }
  for (Worker& worker : workers) {
    asio::co_spawn(worker.context, worker.clients.run_health_checks(), asio::detached);
    asio::co_spawn(worker.context, expire_idle_upstreams(worker.upstream_connections, stopping),
                   asio::detached);
  }

  // SIGHUP would end the process by default; opes-proxy reads its
  // configuration at start only, so it is noted and ignored.
  asio::signal_set hangups(main_context, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& error, int) {
        if (error) return;
        log(LogLevel::warning, "proxy.sighup_ignored",
            {{"cause", "the configuration is read at start only; restart to apply changes"}});
        hangups.async_wait(on_hangup);
      };
  hangups.async_wait(on_hangup);

  asio::signal_set signals(main_context, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& error, int number) {
    if (error) return;
    log(LogLevel::warning, "proxy.stopping",
        {{"signal", number == SIGINT ? "SIGINT" : "SIGTERM"},
         {"sessions", std::to_string(sessions.load())}});
    stopping = true;
    for (tcp::acceptor& acceptor : acceptors) acceptor.close();
    const auto grace_end = std::chrono::steady_clock::now() + config.shutdown_grace;
    for (Worker& worker : workers)
      asio::co_spawn(worker.context, drain_worker(worker, grace_end), asio::detached);
  });

  std::vector<std::thread> threads;
  for (auto it = std::next(workers.begin()); it != workers.end(); ++it) {
    threads.emplace_back([&context = it->context] {
      auto guard = asio::make_work_guard(context);
      context.run();
    });
  }
  {
    auto guard = asio::make_work_guard(main_context);
    main_context.run();
  }
  for (std::thread& thread : threads) thread.join();
  return 0;
}

}  // namespace opes::proxy::daemon
