#include "opes/callout/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>

#include <set>

#include "opes/callout/log.hpp"
#include "opes/support/endpoint_text.hpp"

namespace opes::callout {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kReadSize = 64u << 10;
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr auto kNoDeadline = Clock::time_point::max();

/// What stop() needs to reach a live connection on its own strand.
struct SessionControl {
  asio::any_io_executor executor;
  std::function<void()> drain;
  std::function<void(const std::string&)> renew;  // drain, then CE {200 reason}
};

/// The peer for PeerInfo and the logs; "unknown" once the socket lost it.
std::string peer_text(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return support::endpoint_text(endpoint);
}

std::shared_ptr<ssl::context> make_tls_context(const TlsSettings& settings, std::string& error) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                       ec);
  if (!ec) context->use_certificate_chain_file(settings.certificate_file, ec);
  if (ec) {
    error = "certificate " + settings.certificate_file + ": " + ec.message();
    return nullptr;
  }
  context->use_private_key_file(settings.private_key_file, ssl::context::pem, ec);
  if (ec) {
    error = "private key " + settings.private_key_file + ": " + ec.message();
    return nullptr;
  }
  if (settings.client_ca_file) {
    context->load_verify_file(*settings.client_ca_file, ec);
    if (ec) {
      error = "client CA " + *settings.client_ca_file + ": " + ec.message();
      return nullptr;
    }
    auto mode = ssl::verify_peer;
    if (settings.require_client_certificate) mode |= ssl::verify_fail_if_no_peer_cert;
    context->set_verify_mode(mode);
  }
  return context;
}

/// One connection: a reader and a writer coroutine on the connection's
/// strand share the handler. The writer copies output out of the handler
/// before writing, so the reader may add to it while a write is in flight.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, std::unique_ptr<ConnectionHandler> handler, std::string peer)
      : stream_(std::move(stream)),
        handler_(std::move(handler)),
        wake_(stream_.get_executor()),
        peer_(std::move(peer)) {}

  asio::awaitable<void> run() {
    auto self = this->shared_from_this();
    asio::co_spawn(stream_.get_executor(), self->read_loop(), asio::detached);
    co_await write_loop();
  }

  void request_drain(std::optional<std::string> reason = std::nullopt) {
    if (drain_requested_) return;  // the first request's CE stands
    drain_requested_ = true;
    drain_reason_ = std::move(reason);
    wake_.cancel();
  }

  Stream& stream() { return stream_; }

 private:
  asio::awaitable<void> read_loop() {
    auto self = this->shared_from_this();
    std::vector<char> buffer(kReadSize);
    for (;;) {
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      if (closed_) co_return;
      if (ec) {
        if (ec != asio::error::eof && ec != ssl::error::stream_truncated) {
          log(LogLevel::info, "connection-read-failed", {{"peer", peer_}, {"cause", ec.message()}});
        }
        handler_->receive_eof();
        wake_.cancel();
        co_return;
      }
      handler_->receive(std::string_view(buffer.data(), n), Clock::now());
      wake_.cancel();
    }
  }

  asio::awaitable<void> write_loop() {
    auto self = this->shared_from_this();
    asio::steady_timer write_deadline(stream_.get_executor());
    std::string out;
    for (;;) {
      while (!handler_->pending_output().empty()) {
        out.assign(handler_->pending_output());
        handler_->consume_output(out.size());
        write_deadline.expires_after(kWriteTimeout);
        auto result = co_await (asio::async_write(stream_, asio::buffer(out), asio::as_tuple(asio::use_awaitable)) ||
                                write_deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (result.index() == 1) {
          log(LogLevel::warning, "connection-write-timeout", {{"peer", peer_}});
          co_return close();
        }
        if (std::get<0>(std::get<0>(result))) co_return close();
      }
      if (handler_->finished()) co_return close();
      if (drain_requested_ && !drained_) {
        drained_ = true;
        if (drain_reason_) {
          handler_->drain(Clock::now(), *drain_reason_);
        } else {
          handler_->drain(Clock::now());
        }
        continue;
      }
      wake_.expires_at(handler_->next_deadline().value_or(kNoDeadline));
      auto [ec] = co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!ec) handler_->on_timer(Clock::now());
    }
  }

  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.lowest_layer().close(ignored);
  }

  Stream stream_;
  std::unique_ptr<ConnectionHandler> handler_;
  asio::steady_timer wake_;
  std::string peer_;
  bool drain_requested_ = false;
  std::optional<std::string> drain_reason_;  // set: a renewal (reload), not a stop
  bool drained_ = false;
  bool closed_ = false;
};

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& io, std::uint32_t max_connections, std::atomic<std::size_t>& live)
      : io(io), max_connections(max_connections), live(live) {}

  asio::io_context& io;
  std::uint32_t max_connections;
  std::atomic<std::size_t>& live;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::mutex mutex;  // guards what follows
  HandlerFactory factory;
  std::set<std::shared_ptr<SessionControl>> sessions;
  bool stopping = false;

  std::unique_ptr<ConnectionHandler> make_handler(const PeerInfo& peer) {
    HandlerFactory current;
    {
      const std::lock_guard lock(mutex);
      current = factory;
    }
    return current ? current(peer) : nullptr;
  }

  template <class Stream>
  void start_session(Stream stream, const PeerInfo& peer) {
    auto handler = make_handler(peer);
    if (!handler) return;
    auto session = std::make_shared<Session<Stream>>(std::move(stream), std::move(handler), peer.address);
    auto control = std::make_shared<SessionControl>();
    control->executor = session->stream().get_executor();
    control->drain = [weak = std::weak_ptr(session)] {
      if (auto live_session = weak.lock()) live_session->request_drain();
    };
    control->renew = [weak = std::weak_ptr(session)](const std::string& reason) {
      if (auto live_session = weak.lock()) live_session->request_drain(reason);
    };
    {
      const std::lock_guard lock(mutex);
      if (stopping) return;
      sessions.insert(control);
    }
    ++live;
    asio::co_spawn(control->executor, session->run(), [this, control](std::exception_ptr error) {
      if (error) log(LogLevel::error, "connection-failed", {{"cause", "unexpected exception"}});
      --live;
      const std::lock_guard lock(mutex);
      sessions.erase(control);
    });
  }

  asio::awaitable<void> serve_tls(tcp::socket socket, std::shared_ptr<ssl::context> tls) {
    PeerInfo peer{peer_text(socket), true, {}};
    ssl::stream<tcp::socket> stream(std::move(socket), *tls);
    asio::steady_timer deadline(stream.get_executor());
    deadline.expires_after(kHandshakeTimeout);
    auto result = co_await (stream.async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable)) ||
                            deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (result.index() == 1 || std::get<0>(std::get<0>(result))) {
      log(LogLevel::warning, "tls-handshake-failed",
          {{"peer", peer.address},
           {"cause", result.index() == 1 ? "timeout" : std::get<0>(std::get<0>(result)).message()}});
      co_return;
    }
    if (X509* certificate = SSL_get_peer_certificate(stream.native_handle())) {
      char subject[512];
      X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject);
      peer.client_certificate_subject = subject;
      X509_free(certificate);
    }
    start_session(std::move(stream), peer);
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<ssl::context> tls) {
    for (;;) {
      // Each connection runs on its own strand: its coroutines never race.
      tcp::socket socket(asio::make_strand(io));
      auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {
        // stop() may close the acceptor between two accepts: the next one
        // then fails at once (EBADF) rather than being aborted.
        {
          const std::lock_guard lock(mutex);
          if (stopping) co_return;
        }
        log(LogLevel::warning, "accept-failed", {{"cause", ec.message()}});
        // A lasting error (EMFILE, say) must not turn this loop into a spin.
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      if (live.load() >= max_connections) {
        log(LogLevel::warning, "connection-refused", {{"peer", peer_text(socket)}, {"cause", "max_connections reached"}});
        continue;  // the socket closes as it goes out of scope
      }
      socket.set_option(tcp::no_delay(true));
      if (tls) {
        auto executor = socket.get_executor();
        asio::co_spawn(executor, serve_tls(std::move(socket), tls), asio::detached);
      } else {
        const PeerInfo peer{peer_text(socket), false, {}};
        start_session(std::move(socket), peer);
      }
    }
  }
};

Server::Server(asio::io_context& io, std::uint32_t max_connections)
    : impl_(std::make_unique<Impl>(io, max_connections, live_)) {}

Server::~Server() = default;

ocp::Expected<void, std::string> Server::listen(const std::vector<Listener>& listeners) {
  for (const Listener& listener : listeners) {
    std::shared_ptr<ssl::context> tls;
    if (listener.tls) {
      std::string error;
      tls = make_tls_context(*listener.tls, error);
      if (!tls) return ocp::unexpected("listener " + support::endpoint_text(listener.address, listener.port) + ": " + error);
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(listener.address, ec);
    if (ec) return ocp::unexpected("listener address '" + listener.address + "': " + ec.message());
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    const tcp::endpoint endpoint(address, listener.port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return ocp::unexpected("listener " + support::endpoint_text(listener.address, listener.port) + ": " + ec.message());
    }
    asio::co_spawn(impl_->io, impl_->accept_loop(*acceptor, tls), asio::detached);
    impl_->acceptors.push_back(std::move(acceptor));
  }
  return {};
}

std::vector<std::uint16_t> Server::bound_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& acceptor : impl_->acceptors) ports.push_back(acceptor->local_endpoint().port());
  return ports;
}

void Server::set_handler_factory(HandlerFactory factory) {
  const std::lock_guard lock(impl_->mutex);
  impl_->factory = std::move(factory);
}

void Server::stop() {
  std::set<std::shared_ptr<SessionControl>> sessions;
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    sessions = impl_->sessions;
  }
  for (auto& acceptor : impl_->acceptors) {
    asio::post(acceptor->get_executor(), [&acceptor = *acceptor] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
    });
  }
  for (const auto& control : sessions) asio::post(control->executor, control->drain);
}

std::size_t Server::renew_connections(const std::string& reason) {
  std::set<std::shared_ptr<SessionControl>> sessions;
  {
    const std::lock_guard lock(impl_->mutex);
    sessions = impl_->sessions;
  }
  for (const auto& control : sessions)
    asio::post(control->executor, [control, reason] { control->renew(reason); });
  return sessions.size();
}

}  // namespace opes::callout
