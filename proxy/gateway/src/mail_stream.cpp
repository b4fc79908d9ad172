#include "opes/proxy/mail_stream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/as_tuple.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <exception>
#include <optional>
#include <variant>

#include "opes/support/endpoint_text.hpp"

namespace opes::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;
using asio::use_awaitable;

/// Completes at the timeout, or quietly when cancelled (no exception: a
/// cancelled timer is the common case).
asio::awaitable<void> expire(Duration timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  co_await timer.async_wait(asio::as_tuple(use_awaitable));
}

[[noreturn]] void throw_timeout() {
  throw boost::system::system_error(asio::error::timed_out);
}

/// An operation's value or the exception it ended with. A struct, not a
/// variant: `||` flattens variants into its own.
template <class T>
struct Settled {
  std::optional<T> value;
  std::exception_ptr failure;
};

template <class T>
asio::awaitable<Settled<T>> settle(asio::awaitable<T> operation) {
  Settled<T> settled;
  try {
    settled.value.emplace(co_await std::move(operation));
  } catch (...) {
    settled.failure = std::current_exception();
  }
  co_return settled;
}

asio::awaitable<Settled<bool>> settle(asio::awaitable<void> operation) {
  Settled<bool> settled;
  try {
    co_await std::move(operation);
    settled.value = true;
  } catch (...) {
    settled.failure = std::current_exception();
  }
  co_return settled;
}

/// Runs `operation` unless `timeout` passes first (then it is cancelled).
/// The operation is settled first because `||` waits for the first
/// operation to *succeed*: a read failing with ECONNRESET, or a refused
/// connect, would otherwise wait for the timer.
template <class T>
asio::awaitable<T> within(asio::awaitable<T> operation, Duration timeout) {
  auto result = co_await (settle(std::move(operation)) || expire(timeout));
  if (result.index() == 1) throw_timeout();
  auto settled = std::get<0>(std::move(result));
  if (settled.failure) std::rethrow_exception(settled.failure);
  co_return std::move(*settled.value);
}

asio::awaitable<void> within(asio::awaitable<void> operation, Duration timeout) {
  auto result = co_await (settle(std::move(operation)) || expire(timeout));
  if (result.index() == 1) throw_timeout();
  if (auto failure = std::get<0>(result).failure) std::rethrow_exception(failure);
}

}  // namespace

MailStream::MailStream(tcp::socket socket)
    : plain_(std::make_unique<tcp::socket>(std::move(socket))),
      read_timer_(std::make_unique<asio::steady_timer>(plain_->get_executor())),
      write_timer_(std::make_unique<asio::steady_timer>(plain_->get_executor())) {
  boost::system::error_code ec;
  const auto endpoint = plain_->remote_endpoint(ec);
  if (!ec) {
    peer_port_ = endpoint.port();
    peer_address_ = endpoint.address().to_string();
    peer_ = support::endpoint_text(endpoint);
  } else {
    peer_address_ = peer_ = "unknown";
  }
}

MailStream::MailStream(MailStream&&) noexcept = default;
MailStream& MailStream::operator=(MailStream&&) noexcept = default;
MailStream::~MailStream() = default;

tcp::socket& MailStream::socket() { return tls_ ? tls_->next_layer() : *plain_; }

asio::awaitable<MailStream> MailStream::connect(std::string host, std::uint16_t port, Duration timeout) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto resolve_and_connect = [&]() -> asio::awaitable<tcp::socket> {
    auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), use_awaitable);
    tcp::socket socket(executor);
    co_await asio::async_connect(socket, endpoints, use_awaitable);
    socket.set_option(tcp::no_delay(true));
    co_return socket;
  };
  tcp::socket socket = co_await within(resolve_and_connect(), timeout);
  co_return MailStream(std::move(socket));
}

std::shared_ptr<MailStream::Deadline> MailStream::arm(asio::steady_timer& timer, Duration timeout) {
  auto deadline = std::make_shared<Deadline>();
  timer.expires_after(timeout);
  tcp::socket* raw = &socket();
  timer.async_wait([deadline, raw](const boost::system::error_code& ec) {
    // `done`: the operation completed first and the stream may be gone.
    if (ec || deadline->done) return;
    deadline->fired = true;
    boost::system::error_code ignored;
    raw->cancel(ignored);
  });
  return deadline;
}

// Reads and writes run with a timer that cancels the socket, not with
// `||`: they are the hot path, and `||` spawns a coroutine per operation.
asio::awaitable<std::size_t> MailStream::read_some(asio::mutable_buffer buffer, Duration timeout) {
  auto deadline = arm(*read_timer_, timeout);
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(buffer, asio::as_tuple(use_awaitable))
                      : co_await plain_->async_read_some(buffer, asio::as_tuple(use_awaitable));
  deadline->done = true;
  read_timer_->cancel();
  if (deadline->fired) throw_timeout();
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) co_return 0;
  if (ec) throw boost::system::system_error(ec);
  co_return n;
}

asio::awaitable<void> MailStream::write(std::string_view bytes, Duration timeout) {
  auto deadline = arm(*write_timer_, timeout);
  auto [ec, written] = tls_ ? co_await asio::async_write(*tls_, asio::buffer(bytes), asio::as_tuple(use_awaitable))
                            : co_await asio::async_write(*plain_, asio::buffer(bytes), asio::as_tuple(use_awaitable));
  (void)written;
  deadline->done = true;
  write_timer_->cancel();
  if (deadline->fired) throw_timeout();
  if (ec) throw boost::system::system_error(ec);
}

asio::awaitable<void> MailStream::accept_tls(asio::ssl::context& context, Duration timeout) {
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(*plain_), context);
  plain_.reset();
  co_await within(tls_->async_handshake(asio::ssl::stream_base::server, use_awaitable), timeout);
}

asio::awaitable<void> MailStream::connect_tls(asio::ssl::context& context, const std::string& server_name,
                                              bool verify_name, Duration timeout) {
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(*plain_), context);
  plain_.reset();
  SSL* ssl = tls_->native_handle();
  boost::system::error_code not_an_address;
  (void)asio::ip::make_address(server_name, not_an_address);
  // RFC 6066 §3: SNI carries host names only, never an address literal.
  if (not_an_address) SSL_set_tlsext_host_name(ssl, server_name.c_str());
  if (verify_name) {
    // RFC 6125 §6: the name (or address) the certificate must carry, checked
    // by OpenSSL during the chain's verification so that a mismatch has its
    // own verify result (X509_V_ERR_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH).
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (!not_an_address) {
      X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
    }
  }
  co_await within(tls_->async_handshake(asio::ssl::stream_base::client, use_awaitable), timeout);
}

std::string MailStream::tls_description() const {
  if (!tls_) return {};
  SSL* ssl = const_cast<asio::ssl::stream<tcp::socket>&>(*tls_).native_handle();
  return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

long MailStream::verify_result() const {
  if (!tls_) return X509_V_OK;
  return SSL_get_verify_result(const_cast<asio::ssl::stream<tcp::socket>&>(*tls_).native_handle());
}

std::string MailStream::local_address() const {
  boost::system::error_code ec;
  const auto endpoint = const_cast<MailStream*>(this)->socket().local_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

void MailStream::cancel() {
  boost::system::error_code ignored;
  socket().cancel(ignored);
}

void MailStream::close() {
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

}  // namespace opes::proxy
