#include "opes/loadgen/load_run.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <mutex>
#include <thread>

namespace opes::loadgen {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

constexpr std::size_t kReadSize = 64 * 1024;
/// The watchdog looks again at least this often, so that an engine deadline
/// that moved earlier is not missed by much.
constexpr auto kWatchdogTick = std::chrono::seconds(1);

std::string milliseconds(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

/// What every connection of one run shares.
struct RunState {
  const LoadOptions& options;
  const TransactionSource& source;
  const OutcomeCheck& check;
  tcp::endpoint endpoint;
  TimePoint deadline;
  std::mutex mutex;  // guards stats
  StatsCollector stats;

  void record(const TransactionOutcome& outcome) {
    std::optional<std::string> why;
    if (!outcome.ended_by_server) {
      why = outcome.describe();
    } else if (auto verdict = check(outcome)) {
      why = outcome.describe() + ": " + *verdict;
    }
    const std::lock_guard lock(mutex);
    if (why) {
      stats.failed(std::move(*why));
    } else {
      stats.succeeded(outcome.latency);
    }
  }

  void connection_failed(std::string why) {
    const std::lock_guard lock(mutex);
    stats.connection_failed(std::move(why));
  }
};

/// One OCP connection of the load: a reader, a writer and a watchdog
/// coroutine on the connection's strand around a ProcessorSession. The
/// first of the three to finish ends the connection.
class ConnectionDriver {
 public:
  ConnectionDriver(RunState& run, std::size_t index, tcp::socket socket)
      : run_(run),
        index_(index),
        socket_(std::move(socket)),
        wake_(socket_.get_executor()),
        session_(run.options.session, Clock::now()),
        last_heard_(Clock::now()) {}

  asio::awaitable<void> run() {
    advance(Clock::now());
    co_await (read_loop() || write_loop() || watchdog());
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    const TimePoint now = Clock::now();
    if (session_.open_transactions() != 0) {
      session_.close(give_up_reason_.empty() ? "the connection ended" : give_up_reason_, now);
    }
    record_finished();
    const std::size_t planned = run_.options.transactions_per_connection;
    if (ended_ < planned || !give_up_reason_.empty()) {
      std::string why = give_up_reason_.empty() ? session_.failure() : give_up_reason_;
      if (why.empty()) why = "the connection ended early";
      run_.connection_failed("connection " + std::to_string(index_) + ": " + why + " (" +
                             std::to_string(ended_) + " of " + std::to_string(planned) +
                             " transactions ended)");
    }
  }

 private:
  asio::awaitable<void> read_loop() {
    std::vector<char> buffer(kReadSize);
    for (;;) {
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer),
                                                      asio::as_tuple(asio::use_awaitable));
      const TimePoint now = Clock::now();
      if (ec) {
        session_.receive_eof(now);
        advance(now);
        co_return;
      }
      last_heard_ = now;
      session_.receive(std::string_view(buffer.data(), n), now);
      advance(now);
    }
  }

  asio::awaitable<void> write_loop() {
    std::string out;
    for (;;) {
      while (!session_.pending_output().empty()) {
        out.assign(session_.pending_output());
        session_.consume_output(out.size());
        auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) {
          give_up("write failed: " + ec.message());
          co_return;
        }
      }
      // Our CE is out: nothing more to say or to hear.
      if (session_.closed()) co_return;
      wake_.expires_at(TimePoint::max());
      co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  asio::awaitable<void> watchdog() {
    asio::steady_timer timer(socket_.get_executor());
    const auto idle = run_.options.idle_timeout;
    for (;;) {
      TimePoint next = std::min(run_.deadline, Clock::now() + kWatchdogTick);
      if (waiting_for_server()) next = std::min(next, last_heard_ + idle);
      if (auto engine_deadline = session_.next_deadline()) next = std::min(next, *engine_deadline);
      timer.expires_at(next);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      const TimePoint now = Clock::now();
      if (now >= run_.deadline) {
        give_up("the run's deadline passed");
        co_return;
      }
      if (waiting_for_server() && now - last_heard_ >= idle) {
        give_up("nothing heard from the callout server for " + milliseconds(idle));
        co_return;
      }
      if (auto engine_deadline = session_.next_deadline();
          engine_deadline && now >= *engine_deadline) {
        session_.on_timer(now);
        advance(now);
      }
    }
  }

  /// Negotiating, or transactions open: the server owes us a message.
  bool waiting_for_server() const {
    return !session_.closed() && (!session_.ready() || session_.open_transactions() != 0);
  }

  /// Starts what may start, records what ended, closes when all is done.
  void advance(TimePoint now) {
    if (!closing_) {
      const std::size_t planned = run_.options.transactions_per_connection;
      if (!session_.failure().empty() || session_.closed()) {
        closing_ = true;
        session_.close(session_.failure(), now);
      } else {
        while (session_.can_start() && started_ < planned) {
          const std::size_t sequence = index_ * planned + started_++;
          if (auto refused = session_.start(run_.source(index_, sequence), index_, sequence, now)) {
            // Our own engine refused a command: this connection cannot go on.
            give_up("transaction " + std::to_string(sequence) + ": " + *refused);
            return;
          }
        }
        if (started_ == planned && session_.open_transactions() == 0 && session_.ready()) {
          closing_ = true;
          session_.close("", now);
        }
      }
    }
    record_finished();
    wake_.cancel();
  }

  void give_up(std::string reason) {
    if (give_up_reason_.empty()) give_up_reason_ = std::move(reason);
    closing_ = true;
    session_.close(give_up_reason_, Clock::now());
    record_finished();
    wake_.cancel();
  }

  void record_finished() {
    for (const TransactionOutcome& outcome : session_.take_finished()) {
      ++ended_;
      run_.record(outcome);
    }
  }

  RunState& run_;
  std::size_t index_;
  tcp::socket socket_;
  asio::steady_timer wake_;
  ProcessorSession session_;
  TimePoint last_heard_;
  std::size_t started_ = 0;
  std::size_t ended_ = 0;
  bool closing_ = false;
  std::string give_up_reason_;
};

asio::awaitable<void> run_connection(RunState& run, std::size_t index) {
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  asio::steady_timer timer(executor);
  timer.expires_at(std::min(run.deadline, Clock::now() + run.options.idle_timeout));
  auto connected =
      co_await (socket.async_connect(run.endpoint, asio::as_tuple(asio::use_awaitable)) ||
                timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (connected.index() == 1) {
    run.connection_failed("connection " + std::to_string(index) + ": connect timed out");
    co_return;
  }
  if (auto [ec] = std::get<0>(connected); ec) {
    run.connection_failed("connection " + std::to_string(index) +
                          ": connect failed: " + ec.message());
    co_return;
  }
  socket.set_option(tcp::no_delay(true));
  ConnectionDriver driver(run, index, std::move(socket));
  co_await driver.run();
}

std::optional<tcp::endpoint> resolve(const LoadOptions& options, std::string& error) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (!ec) return tcp::endpoint(address, options.port);
  asio::io_context io;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec || results.empty()) {
    error = "cannot resolve " + options.host + ": " + (ec ? ec.message() : "no address");
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

}  // namespace

std::optional<std::string> require_success(const TransactionOutcome& outcome) {
  if (outcome.succeeded()) return std::nullopt;
  return "not a TE 200 without problems";
}

LoadStats run_load(const LoadOptions& options, const TransactionSource& source,
                   const OutcomeCheck& check) {
  const std::size_t planned = options.connections * options.transactions_per_connection;
  const auto started = Clock::now();
  RunState run{options, source, check, {}, started + options.deadline, {}, {}};
  std::string error;
  if (auto endpoint = resolve(options, error)) {
    run.endpoint = *endpoint;
    asio::io_context io(static_cast<int>(std::max(1u, options.threads)));
    for (std::size_t index = 0; index < options.connections; ++index) {
      asio::co_spawn(asio::make_strand(io), run_connection(run, index),
                     [&run, index](std::exception_ptr failure) {
                       if (failure)
                         run.connection_failed("connection " + std::to_string(index) +
                                               ": unexpected exception");
                     });
    }
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < std::max(1u, options.threads); ++i)
      threads.emplace_back([&io] { io.run(); });
    io.run();
    for (std::thread& thread : threads) thread.join();
  } else {
    run.connection_failed(error);
  }
  const std::chrono::duration<double> elapsed = Clock::now() - started;
  return run.stats.finish(options.connections, planned, elapsed);
}

}  // namespace opes::loadgen
