#pragma once
// The running opes-proxy as proxy_daemon.cpp and proxy_reload.cpp share it:
// the threads, the listening sockets and the current configuration
// generation. Everything here is touched on the first thread only (the
// listeners and the signals run there); each thread's generation is handed
// to that thread by post().

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config_generation.hpp"
#include "odmr_runtime.hpp"
#include "opes/proxy/client_limits.hpp"
#include "session_drain.hpp"

namespace opes::proxy::daemon {

struct Worker {
  // Before the io_context: sessions still suspended when it stops are
  // destroyed with it, and each leaves the drain then.
  SessionDrain drain;
  boost::asio::io_context context{1};
  /// New sessions of this thread start on it.
  std::shared_ptr<WorkerGeneration> current;
  /// Every generation made for this thread, for the shutdown; the retired
  /// ones expire with their last session.
  std::vector<std::weak_ptr<WorkerGeneration>> generations;
};

/// A listening socket. Owned by its accept loop too: a removed one is closed
/// and goes once the loop has seen it.
struct ListenerSlot {
  explicit ListenerSlot(boost::asio::io_context& context, Listener listener)
      : configured(std::move(listener)), acceptor(context) {}
  Listener configured;  // address and port as written: the key across reloads
  boost::asio::ip::tcp::acceptor acceptor;
};

struct DaemonState {
  // Declared first: the sessions' frames, destroyed with the threads'
  // io_contexts, still count down `sessions`.
  std::atomic<std::size_t> sessions{0};
  std::atomic<bool> stopping{false};
  // Per-address counts of all threads (limits.*_per_client); before the
  // workers, whose sessions hold leases on it.
  std::unique_ptr<ClientLimits> client_limits;
  std::unique_ptr<HostAttempts> host_attempts;  // host_policy.max_attempts_per_client
  // ODMR's hold queue: opened once (a reload cannot move it), before the
  // workers, whose sessions hold leases on it.
  std::unique_ptr<OdmrRuntime> odmr;
  std::optional<std::filesystem::path> config_file;  // none: the built-in default
  unsigned threads = 1;  // as started: a reload does not change it
  std::list<Worker> workers;  // stable addresses
  std::list<std::shared_ptr<ListenerSlot>> listeners;

  boost::asio::io_context& main_context() { return workers.front().context; }
};

/// Makes a generation of `config` for every thread and makes it current;
/// the previous one of each thread retires.
void install_generation(DaemonState& state, std::shared_ptr<const SharedGeneration> shared);

/// Binds `listener` and starts accepting on it; the error names the listener.
ocp::Expected<std::shared_ptr<ListenerSlot>, std::string> open_listener(DaemonState& state,
                                                                       const Listener& listener);
/// Where the proxy listens (bound slots and `added`), for the HOST policy.
std::vector<host::OwnEndpoint> listening_endpoints(
    const DaemonState& state, const std::vector<std::shared_ptr<ListenerSlot>>& added);
/// Starts the accept loop of a bound slot and prints its "listening" line.
void start_accepting(DaemonState& state, const std::shared_ptr<ListenerSlot>& slot);

/// ODMR: held messages past odmr.max_hold bounce, and those past
/// odmr.delay_warning get their delay DSN, every odmr.sweep_interval
/// (odmr_sweeper.cpp). Runs on the first thread until the daemon stops.
boost::asio::awaitable<void> sweep_hold_queue(DaemonState& state);

/// SIGHUP: reads the configuration file again and applies it to new
/// sessions; a configuration that fails keeps the old one (error logged).
void reload(DaemonState& state);

}  // namespace opes::proxy::daemon
