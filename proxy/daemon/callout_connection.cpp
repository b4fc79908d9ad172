#include "callout_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>

#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;
using processor::LinkErrorCode;
using support::log;
using support::LogLevel;

/// The link has its own timeouts (RFC 4037 §2.7); the socket read only
/// needs to end some day.
constexpr auto kReadTimeout = std::chrono::hours(24);
constexpr auto kWriteTimeout = std::chrono::seconds(60);
/// Above this the sessions feeding the link wait (LinkSettings has the hard limit).
constexpr std::size_t kOutputWatermark = std::size_t{1} << 20;
constexpr std::size_t kWriteChunk = std::size_t{256} << 10;

processor::TimePoint now() { return processor::Clock::now(); }

asio::awaitable<void> sleep_until(std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

CalloutConnection::CalloutConnection(asio::any_io_executor executor, std::size_t server_index,
                                     const CalloutServer& server,
                                     processor::LinkSettings settings, TlsContext tls,
                                     FailureHandler on_failure)
    : executor_(executor),
      server_index_(server_index),
      server_(server),
      address_(server.address + ":" + std::to_string(server.port)),
      settings_(std::move(settings)),
      tls_(std::move(tls)),
      on_failure_(std::move(on_failure)),
      output_ready_(executor),
      deadline_changed_(executor),
      state_changed_(executor) {}

CalloutConnection::~CalloutConnection() = default;

std::string CalloutConnection::failure() const {
  if (link_ && link_->failed()) return link_->failure();
  return connect_failure_;
}

const std::optional<ocp::smtp::SmtpProfile>& CalloutConnection::profile() const {
  static const std::optional<ocp::smtp::SmtpProfile> none;
  return link_ ? link_->profile() : none;
}

asio::awaitable<bool> CalloutConnection::open(Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    stream_.emplace(co_await MailStream::connect(server_.address, server_.port, timeout));
    if (server_.tls && tls_) {
      const std::string name =
          server_.tls->server_name.empty() ? server_.address : server_.tls->server_name;
      co_await stream_->connect_tls(*tls_, name, server_.tls->verify,
                                    deadline - std::chrono::steady_clock::now());
    }
  } catch (const boost::system::system_error& error) {
    connect_failure_ = "connect: " + error.code().message();
    stream_.reset();
    co_return false;
  }
  settings_.timeouts.negotiation = std::chrono::duration_cast<processor::Duration>(timeout);
  link_.emplace(settings_, now());
  auto self = shared_from_this();
  asio::co_spawn(executor_, read_loop(self), asio::detached);
  asio::co_spawn(executor_, write_loop(self), asio::detached);
  asio::co_spawn(executor_, timer_loop(self), asio::detached);
  pump();
  while (!link_->ready() && !link_->failed() && !stopped_) {
    if (std::chrono::steady_clock::now() >= deadline) {
      connect_failure_ = "no negotiation within " +
                         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) + " ms";
      stop();
      co_return false;
    }
    co_await (state_changed_.wait() || sleep_until(deadline));
  }
  last_used_ = std::chrono::steady_clock::now();  // not idle before its first transaction
  co_return link_->ready();
}

processor::LinkResult<processor::TransactionId> CalloutConnection::begin(
    const std::vector<std::string>& services, std::vector<ocp::smtp::AmOption> meta,
    std::shared_ptr<TransactionInbox> inbox) {
  if (!link_) return ocp::unexpected(processor::LinkError{LinkErrorCode::not_ready, "not connected"});
  last_used_ = std::chrono::steady_clock::now();
  auto group = link_->group_for(services, now());
  if (!group) {
    pump();
    return ocp::unexpected(group.error());
  }
  auto id = link_->begin(*group, std::move(meta), now());
  if (id) inboxes_[id->value] = std::move(inbox);
  // TS and AMS wait for the transaction's first part (or its end): one
  // write instead of two when the profile sends no command parts.
  pump(false);
  return id;
}

processor::LinkResult<processor::PartDisposition> CalloutConnection::send(
    processor::TransactionId id, const ocp::smtp::AmPart& part, std::string_view bytes,
    bool starts_instance) {
  auto result = link_->send(id, part, bytes, starts_instance, now());
  pump();
  return result;
}

processor::LinkResult<> CalloutConnection::end_original(processor::TransactionId id) {
  auto result = link_->end_original(id, now());
  pump();
  return result;
}

void CalloutConnection::finish(processor::TransactionId id, bool failed, std::string reason) {
  inboxes_.erase(id.value);
  last_used_ = std::chrono::steady_clock::now();
  if (!link_) return;
  if (failed) {
    (void)link_->abort(id, std::move(reason), now());
  } else {
    (void)link_->finish(id, now());
  }
  pump();
}

asio::awaitable<void> CalloutConnection::wait_writable() {
  while (link_ && !link_->failed() && !stopped_ &&
         link_->output_size() + in_flight_ > kOutputWatermark) {
    co_await state_changed_.wait();
  }
}

void CalloutConnection::probe() {
  if (!link_ || !link_->ready()) return;
  (void)link_->probe(now());
  pump();
}

void CalloutConnection::close() {
  if (!link_) return;
  (void)link_->close(now());
  pump();
}

void CalloutConnection::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (link_ && !link_->failed()) {
    // Every open transaction hears of it (TransactionFinished) before the
    // connection goes.
    link_->receive_eof(now());
    pump();
  }
  if (stream_) stream_->close();
  output_ready_.notify();
  deadline_changed_.notify();
  state_changed_.notify_all();
}

void CalloutConnection::pump(bool write_now) {
  if (!link_) return;
  while (auto event = link_->next_event()) {
    std::visit(
        [&](auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, processor::AnswerReceived> ||
                        std::is_same_v<E, processor::AdaptedEnded> ||
                        std::is_same_v<E, processor::TransactionFinished>) {
            auto it = inboxes_.find(e.id.value);
            if (it == inboxes_.end()) return;  // the session has moved on
            auto inbox = it->second;
            if constexpr (std::is_same_v<E, processor::TransactionFinished>) inboxes_.erase(it);
            inbox->events.push_back(std::move(e));
            inbox->signal.notify();
          } else if constexpr (std::is_same_v<E, processor::LinkFailed>) {
            if (stopped_) return;  // our own shutdown, not the server's failure
            if (e.in_order) {
              // CE 200 (RFC 4037 §11.2): the server ended the connection in
              // order, e.g. after a reload; the next transaction connects
              // afresh and the server stays up for the pool.
              log(LogLevel::info, "callout.ended_by_server",
                  {{"server", address_}, {"reason", e.reason}});
              return;
            }
            log(LogLevel::warning, "callout.link_failed",
                {{"server", address_}, {"reason", e.reason}});
            if (!failure_reported_ && on_failure_) {
              failure_reported_ = true;
              on_failure_(server_index_, e.reason);
            }
          } else if constexpr (std::is_same_v<E, processor::LinkReady>) {
            log(LogLevel::info, "callout.ready", {{"server", address_}});
          } else if constexpr (std::is_same_v<E, processor::LinkClosed>) {
            log(LogLevel::info, "callout.closed", {{"server", address_}});
          }
        },
        *event);
  }
  if (write_now && !link_->pending_output().empty()) output_ready_.notify();
  deadline_changed_.notify();
  state_changed_.notify_all();
}

asio::awaitable<void> CalloutConnection::read_loop(
    [[maybe_unused]] std::shared_ptr<CalloutConnection> self) {
  std::array<char, 64 * 1024> buffer;
  while (!stopped_) {
    std::size_t n = 0;
    try {
      n = co_await stream_->read_some(asio::buffer(buffer), kReadTimeout);
    } catch (const boost::system::system_error&) {
      n = 0;
    }
    if (stopped_) break;
    if (n == 0) {
      link_->receive_eof(now());
      pump();
      break;
    }
    link_->receive(std::string_view(buffer.data(), n), now());
    pump();
  }
  // Nothing more can arrive: once the link has written what it could, the
  // connection is done.
  if (link_ && !link_->failed()) {
    link_->receive_eof(now());
    pump();
  }
  stop();
}

asio::awaitable<void> CalloutConnection::write_loop(
    [[maybe_unused]] std::shared_ptr<CalloutConnection> self) {
  std::string chunk;
  while (!stopped_) {
    const std::string_view pending = link_->pending_output();
    if (pending.empty()) {
      if (link_->closed()) break;  // CE written and flushed
      co_await output_ready_.wait();
      continue;
    }
    chunk.assign(pending.substr(0, kWriteChunk));
    link_->consume_output(chunk.size());
    in_flight_ = chunk.size();
    try {
      co_await stream_->write(chunk, kWriteTimeout);
    } catch (const boost::system::system_error& error) {
      in_flight_ = 0;
      if (!stopped_) {
        link_->receive_eof(now());  // the server is gone
        pump();
      }
      break;
    }
    in_flight_ = 0;
    pump();
  }
  stop();
}

asio::awaitable<void> CalloutConnection::timer_loop(
    [[maybe_unused]] std::shared_ptr<CalloutConnection> self) {
  while (!stopped_) {
    const auto deadline = link_->next_deadline();
    co_await deadline_changed_.wait_until(deadline ? *deadline
                                                   : std::chrono::steady_clock::time_point::max());
    if (stopped_) break;
    if (deadline && now() >= *deadline) {
      link_->on_timer(now());
      pump();
    }
  }
}

}  // namespace opes::proxy
