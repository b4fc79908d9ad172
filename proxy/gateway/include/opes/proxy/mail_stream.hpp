#pragma once
// One TCP connection that may switch to TLS in the middle (STARTTLS, RFC
// 3207), with a timeout on every wait. Errors and timeouts are thrown as
// boost::system::system_error (timed_out for a timeout): this is the Asio
// edge, the protocol cores stay free of it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace opes::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Duration = std::chrono::steady_clock::duration;

class MailStream {
 public:
  explicit MailStream(tcp::socket socket);
  MailStream(MailStream&&) noexcept;
  MailStream& operator=(MailStream&&) noexcept;
  ~MailStream();

  /// Connects to `host:port` (IP literal or name), within `timeout`.
  static asio::awaitable<MailStream> connect(std::string host, std::uint16_t port, Duration timeout);

  /// Reads what is available (at least one octet); 0 at the peer's EOF.
  asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer, Duration timeout);
  asio::awaitable<void> write(std::string_view bytes, Duration timeout);

  /// The TLS handshake as the server (after our 220 to STARTTLS).
  asio::awaitable<void> accept_tls(asio::ssl::context& context, Duration timeout);
  /// The TLS handshake as the client; with `verify_name` the server's
  /// certificate must name `server_name` (RFC 6125).
  asio::awaitable<void> connect_tls(asio::ssl::context& context, const std::string& server_name,
                                    bool verify_name, Duration timeout);

  /// After connect_tls(), also after a failed one: OpenSSL's verify result
  /// (X509_V_OK when the certificate was not the problem).
  long verify_result() const;

  bool tls() const { return tls_ != nullptr; }
  /// "TLSv1.3 TLS_AES_256_GCM_SHA384", or "" without TLS.
  std::string tls_description() const;
  /// The peer's address ("192.0.2.1"), port and both as "192.0.2.1:2525".
  std::string peer_address() const { return peer_address_; }
  std::string peer() const { return peer_; }
  std::uint16_t peer_port() const { return peer_port_; }  // 0 when unknown
  std::string local_address() const;

  /// Ends the pending read and write with operation_aborted; the stream
  /// stays usable (a shutdown wakes a session waiting for its client).
  void cancel();
  /// Closes at once (no TLS close_notify): for errors and timeouts.
  void close();

 private:
  tcp::socket& socket();
  /// Starts `timer` for one read or write: at expiry it cancels the
  /// socket's operations. The returned state says whether it fired; the
  /// caller sets `done` when its operation completed first.
  struct Deadline {
    bool fired = false;
    bool done = false;
  };
  std::shared_ptr<Deadline> arm(asio::steady_timer& timer, Duration timeout);

  std::unique_ptr<tcp::socket> plain_;
  // Heap-held so that a moved stream's pending timer handlers stay valid.
  std::unique_ptr<asio::steady_timer> read_timer_;
  std::unique_ptr<asio::steady_timer> write_timer_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  std::string peer_address_;
  std::string peer_;
  std::uint16_t peer_port_ = 0;
};

}  // namespace opes::proxy
