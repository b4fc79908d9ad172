#include "pop3_relay.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;
constexpr std::size_t kReadChunk = 16 * 1024;

bool timed_out(const boost::system::system_error& error) {
  return error.code() == boost::asio::error::timed_out;
}

}  // namespace

Pop3Relay::Pop3Relay(const boost::asio::any_io_executor& executor, pop3::ProxyCore& core,
                     MailStream& client, MailStream& upstream, Pop3RelaySettings settings)
    : core_(core),
      client_(client),
      upstream_(upstream),
      settings_(std::move(settings)),
      client_wake_(executor),
      upstream_wake_(executor),
      writer_wake_(executor),
      client_buffer_(kReadChunk),
      upstream_buffer_(kReadChunk) {}

void Pop3Relay::core_changed() {
  while (auto event = core_.poll_event()) {
    if (std::holds_alternative<pop3::StartClientTls>(*event)) {
      tls_due_ = true;
    } else if (const auto* close = std::get_if<pop3::Close>(&*event)) {
      end_reason_ = std::string(pop3::reason_name(close->reason));
    }
  }
  client_wake_.notify();
  upstream_wake_.notify();
  writer_wake_.notify();
}

void Pop3Relay::fail(std::string reason) {
  if (failure_.empty()) failure_ = std::move(reason);
  writer_wake_.notify();
}

boost::asio::awaitable<void> Pop3Relay::start_client_tls() {
  // RFC 2595 §4: the handshake follows the +OK, which must be out first.
  while (!core_.to_client().empty() && !finished_ && failure_.empty()) co_await client_wake_.wait();
  if (finished_ || !failure_.empty()) co_return;
  handshaking_ = true;
  std::string error;
  try {
    co_await client_.accept_tls(*settings_.server_tls, settings_.tls_handshake);
  } catch (const boost::system::system_error& failure) {
    error = failure.code().message();
  }
  handshaking_ = false;
  tls_due_ = false;
  if (!error.empty()) {
    log(LogLevel::warning, "pop3.tls_failed",
        {{"peer", settings_.peer}, {"session", settings_.session}, {"side", "client"}, {"cause", error}});
    fail("client TLS failed");
    co_return;
  }
  core_.client_tls_started();
  core_changed();
}

boost::asio::awaitable<void> Pop3Relay::read_client() {
  while (!finished_) {
    if (!failure_.empty() || core_.closed()) {
      co_await client_wake_.wait();
      continue;
    }
    if (tls_due_) {
      co_await start_client_tls();
      continue;
    }
    if (!core_.wants_client_input()) {
      co_await client_wake_.wait();
      continue;
    }
    std::size_t count = 0;
    try {
      const auto buffer = boost::asio::buffer(client_buffer_.data(), client_buffer_.size());
      count = co_await client_.read_some(buffer, settings_.idle);
    } catch (const boost::system::system_error& error) {
      if (finished_) co_return;
      if (timed_out(error)) {
        log(LogLevel::info, "pop3.timeout", {{"peer", settings_.peer}, {"session", settings_.session}, {"side", "client"}});
        fail("client_timeout");
      } else {
        fail("client_error");
      }
      continue;
    }
    if (count == 0) {
      core_.client_eof();
    } else {
      core_.receive_from_client(std::string_view(client_buffer_.data(), count));
    }
    core_changed();
  }
}

boost::asio::awaitable<void> Pop3Relay::read_upstream() {
  while (!finished_) {
    if (!failure_.empty() || core_.closed() || !core_.wants_upstream_input()) {
      co_await upstream_wake_.wait();
      continue;
    }
    std::size_t count = 0;
    try {
      const auto buffer = boost::asio::buffer(upstream_buffer_.data(), upstream_buffer_.size());
      count = co_await upstream_.read_some(buffer, settings_.idle);
    } catch (const boost::system::system_error& error) {
      if (finished_) co_return;
      if (timed_out(error)) {
        log(LogLevel::info, "pop3.timeout", {{"peer", settings_.peer}, {"session", settings_.session}, {"side", "upstream"}});
        fail("upstream_timeout");
      } else {
        fail("upstream_error");
      }
      continue;
    }
    if (count == 0) {
      core_.upstream_eof();
    } else {
      core_.receive_from_upstream(std::string_view(upstream_buffer_.data(), count));
    }
    core_changed();
  }
}

boost::asio::awaitable<void> Pop3Relay::write_both() {
  try {
    for (;;) {
      if (!failure_.empty()) break;
      if (!core_.closed() && !core_.to_upstream().empty()) {
        writing_.assign(core_.to_upstream());
        co_await upstream_.write(writing_, settings_.idle);
        core_.consume_to_upstream(writing_.size());
        client_wake_.notify();  // room for more client input
        continue;
      }
      if (!handshaking_ && !core_.to_client().empty()) {
        writing_.assign(core_.to_client());
        co_await client_.write(writing_, settings_.idle);
        core_.consume_to_client(writing_.size());
        client_wake_.notify();  // an STLS +OK is out
        upstream_wake_.notify();
        continue;
      }
      if (core_.closed()) break;
      co_await writer_wake_.wait();
    }
  } catch (const boost::system::system_error& error) {
    if (timed_out(error)) {
      log(LogLevel::info, "pop3.timeout", {{"peer", settings_.peer}, {"session", settings_.session}, {"side", "write"}});
    }
    if (failure_.empty()) failure_ = "write_error";
  }
  finished_ = true;
  // The readers are waiting on their streams or signals: both end now.
  client_.cancel();
  upstream_.cancel();
  client_wake_.notify();
  upstream_wake_.notify();
}

boost::asio::awaitable<std::string> Pop3Relay::run() {
  using namespace boost::asio::experimental::awaitable_operators;
  core_changed();  // what the preamble left (pipelined commands)
  auto client_side = read_client();
  auto upstream_side = read_upstream();
  auto writer = write_both();
  co_await (std::move(client_side) && std::move(upstream_side) && std::move(writer));
  co_return failure_.empty() ? end_reason_ : failure_;
}

}  // namespace opes::proxy
