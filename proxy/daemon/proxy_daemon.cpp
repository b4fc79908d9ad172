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

#include "daemon_state.hpp"
#include "opes/support/endpoint_text.hpp"
#include "opes/support/log.hpp"
#include "pop3_session.hpp"
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

/// Accepts on `slot` until it is closed (a reload removed it, or the
/// shutdown). Each client goes to the next thread, on the configuration
/// that thread has now.
asio::awaitable<void> accept_clients(DaemonState& state, std::shared_ptr<ListenerSlot> slot) {
  auto next = state.workers.begin();
  while (!state.stopping) {
    Worker& worker = *next;
    if (++next == state.workers.end()) next = state.workers.begin();
    auto [error, socket] = co_await slot->acceptor.async_accept(
        worker.context.get_executor(), asio::as_tuple(asio::use_awaitable));
    if (error) {
      if (state.stopping || error == asio::error::operation_aborted || !slot->acceptor.is_open())
        break;
      // EMFILE and the like: wait a little instead of spinning.
      log(LogLevel::error, "proxy.accept_failed", {{"cause", error.message()}});
      asio::steady_timer pause(slot->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    const std::shared_ptr<WorkerGeneration>& generation = worker.current;
    const Listener* listener = generation->find_listener(slot->configured);
    if (!listener) continue;  // removed by a reload that has not closed it yet
    socket.set_option(tcp::no_delay(true));
    if (listener->protocol == ListenerProtocol::pop3) {
      asio::co_spawn(worker.context,
                     serve_pop3_client(generation->session_context(), std::move(socket), *listener),
                     asio::detached);
    } else {
      asio::co_spawn(worker.context,
                     serve_smtp_client(generation->session_context(), std::move(socket), *listener),
                     asio::detached);
    }
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
  // Every configuration generation still alive on this thread: the current
  // one and the retired ones whose sessions are still running.
  std::vector<std::shared_ptr<WorkerGeneration>> live;
  for (const auto& weak : worker.generations)
    if (auto generation = weak.lock()) live.push_back(std::move(generation));
  worker.drain.advance(SessionDrain::Phase::draining);
  for (const auto& generation : live) generation->close();
  co_await wait_for_sessions(worker.drain, grace_end);
  if (worker.drain.sessions() > 0) {
    log(LogLevel::warning, "proxy.grace_over",
        {{"sessions", std::to_string(worker.drain.sessions())}});
    worker.drain.advance(SessionDrain::Phase::cutting);
    co_await wait_for_sessions(worker.drain, std::chrono::steady_clock::now() + kShutdownFarewell);
  }
  const auto farewell_end = std::chrono::steady_clock::now() + kCalloutFarewell;
  for (const auto& generation : live) co_await generation->wait_closed(farewell_end);
  for (const auto& generation : live) generation->stop();
  worker.context.stop();
}

/// Each upstream destination's TLS client context (its own CA file, name
/// and verification); the legacy single upstream shares `legacy_upstream`.
ocp::Expected<std::vector<TlsContext>, std::string> prepare_destination_tls(
    const ProxyConfig& config, const TlsContext& legacy_upstream) {
  std::vector<TlsContext> contexts;
  for (const Destination& destination : config.routing.destinations) {
    if (destination.kind != DestinationKind::upstream || destination.upstream.starttls == UpstreamTls::off) {
      contexts.push_back(nullptr);
    } else if (config.upstream) {
      contexts.push_back(legacy_upstream);
    } else if (auto made = make_client_tls(destination.upstream.check); made) {
      contexts.push_back(*made);
    } else {
      return ocp::unexpected("destinations." + destination.name + ".upstream.tls: " + made.error());
    }
  }
  return contexts;
}

/// Each HOST rule's TLS client context: its CA file and verification (the
/// name checked per connection is the target's).
ocp::Expected<std::vector<TlsContext>, std::string> prepare_host_tls(const ProxyConfig& config) {
  std::vector<TlsContext> contexts;
  const auto& rules = config.host_policy.rules;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].tls == host::HostTls::off) {
      contexts.push_back(nullptr);
      continue;
    }
    TlsPeerCheck check;
    check.ca_file = rules[i].ca_file;
    check.verify = rules[i].verify;
    auto made = make_client_tls(check);
    if (!made) return ocp::unexpected("host_policy.rules[" + std::to_string(i) + "]: " + made.error());
    contexts.push_back(*made);
  }
  return contexts;
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
  auto destination_tls = prepare_destination_tls(config, upstream_tls);
  if (!destination_tls) return ocp::unexpected(destination_tls.error());
  auto host_tls = prepare_host_tls(config);
  if (!host_tls) return ocp::unexpected(host_tls.error());
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
                  std::move(*trace), std::move(*destination_tls), std::move(*host_tls)};
}

void install_generation(DaemonState& state, std::shared_ptr<const SharedGeneration> shared) {
  for (Worker& worker : state.workers) {
    auto fresh = std::make_shared<WorkerGeneration>(worker.context.get_executor(), shared,
                                                    state.sessions, worker.drain,
                                                    *state.client_limits, *state.host_attempts);
    if (shared->config->odmr) fresh->set_odmr(state.odmr.get());
    std::erase_if(worker.generations, [](const auto& weak) { return weak.expired(); });
    worker.generations.push_back(fresh);
    asio::post(worker.context, [fresh] { fresh->start(); });
    if (auto old = std::exchange(worker.current, std::move(fresh))) {
      // Retired on its own thread; it goes with the last session on it.
      asio::post(worker.context, [old = std::move(old)] { old->retire(); });
    }
  }
}

ocp::Expected<std::shared_ptr<ListenerSlot>, std::string> open_listener(DaemonState& state,
                                                                       const Listener& listener) {
  auto slot = std::make_shared<ListenerSlot>(state.main_context(), listener);
  boost::system::error_code error;
  const auto address = asio::ip::make_address(listener.address, error);
  if (!error) {
    const tcp::endpoint endpoint(address, listener.port);
    slot->acceptor.open(endpoint.protocol(), error);
    if (!error) slot->acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) slot->acceptor.bind(endpoint, error);
    if (!error) slot->acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    return ocp::unexpected("cannot listen on " + listener.address + ":" +
                           std::to_string(listener.port) + ": " + error.message());
  }
  return slot;
}

std::vector<host::OwnEndpoint> listening_endpoints(
    const DaemonState& state, const std::vector<std::shared_ptr<ListenerSlot>>& added) {
  std::vector<tcp::endpoint> bound;
  boost::system::error_code error;
  auto add = [&](const std::shared_ptr<ListenerSlot>& slot) {
    const auto endpoint = slot->acceptor.local_endpoint(error);
    if (!error) bound.push_back(endpoint);
  };
  for (const auto& slot : state.listeners) add(slot);
  for (const auto& slot : added) add(slot);
  return own_endpoints(bound);
}

void start_accepting(DaemonState& state, const std::shared_ptr<ListenerSlot>& slot) {
  std::cout << "opes-proxy listening on " << support::endpoint_text(slot->acceptor.local_endpoint())
            << std::endl;
  asio::co_spawn(state.main_context(), accept_clients(state, slot), asio::detached);
}

int run_daemon(const ProxyConfig& config, std::optional<std::filesystem::path> config_file) {
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

  DaemonState state;
  state.config_file = std::move(config_file);
  state.threads = config.threads;
  // One table for every thread, before the workers: the sessions' leases
  // (destroyed with the workers' io_contexts) give their counts back to it.
  // A reload does not change the per-client limits.
  state.client_limits = std::make_unique<ClientLimits>(ClientLimitSettings{
      config.limits.max_sessions_per_client, config.limits.max_transactions_per_client});
  // Like the per-client limits, counted across reloads.
  state.host_attempts = std::make_unique<HostAttempts>(config.host_policy.max_attempts_per_client,
                                                       config.host_policy.attempt_window);
  if (config.odmr) {
    auto odmr = open_odmr_runtime(*config.odmr);
    if (!odmr) {
      std::cerr << "opes-proxy: odmr.queue: " << odmr.error() << "\n";
      return 1;
    }
    state.odmr = std::move(*odmr);
  }
  for (unsigned i = 0; i < config.threads; ++i) state.workers.emplace_back();
  asio::io_context& main_context = state.main_context();

  for (const Listener& listener : config.listeners) {
    auto slot = open_listener(state, listener);
    if (!slot) {
      std::cerr << "opes-proxy: " << slot.error() << "\n";
      return 1;
    }
    state.listeners.push_back(std::move(*slot));
  }
  install_generation(state, std::make_shared<const SharedGeneration>(
                                SharedGeneration{std::make_shared<const ProxyConfig>(config),
                                                 std::move(*prepared), listening_endpoints(state, {})}));
  for (const auto& slot : state.listeners) start_accepting(state, slot);
  asio::co_spawn(main_context, sweep_hold_queue(state), asio::detached);

  // SIGHUP: the configuration is read again for new sessions (proxy_reload.cpp).
  asio::signal_set hangups(main_context, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& error, int) {
        if (error || state.stopping) return;
        reload(state);
        hangups.async_wait(on_hangup);
      };
  hangups.async_wait(on_hangup);

  asio::signal_set signals(main_context, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& error, int number) {
    if (error) return;
    log(LogLevel::warning, "proxy.stopping",
        {{"signal", number == SIGINT ? "SIGINT" : "SIGTERM"},
         {"sessions", std::to_string(state.sessions.load())}});
    state.stopping = true;
    hangups.cancel();
    for (const auto& slot : state.listeners) slot->acceptor.close();
    const auto grace_end =
        std::chrono::steady_clock::now() + state.workers.front().current->config().shutdown_grace;
    for (Worker& worker : state.workers)
      asio::co_spawn(worker.context, drain_worker(worker, grace_end), asio::detached);
  });

  std::vector<std::thread> threads;
  for (auto it = std::next(state.workers.begin()); it != state.workers.end(); ++it) {
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
