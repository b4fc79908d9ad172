#pragma once
// The Asio edge of smtp::ClientCore: drives the core over a MailStream with
// a timeout on every wait. The stream is one the session connects itself
// (the upstream delivery) or one handed to it, with the bytes its previous
// owner read and did not use (ODMR after ATRN: the customer's greeting
// comes next; HOST: the greeting was read and relayed already). Protocol
// decisions stay in the core and with the caller; this only moves bytes.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/smtp/client_core.hpp"

namespace opes::proxy {

struct ClientSessionSettings {
  smtp::ClientOptions core;  // the EHLO name, whether the greeting was read, the limits
  Duration reply_timeout = std::chrono::minutes(5);  // RFC 5321 §4.5.3.2: per command
};

class SmtpClientSession {
 public:
  /// A stream handed over; `already_read`: the server's bytes its previous
  /// owner read past what it used (they come before anything read here).
  SmtpClientSession(MailStream stream, ClientSessionSettings settings,
                    std::string_view already_read = {});

  /// Connects to `host:port` within `connect_timeout`; the greeting is
  /// awaited (unless settings.core.greeting_read). The error says why
  /// ("cannot connect: Connection refused").
  static asio::awaitable<ocp::Expected<SmtpClientSession, std::string>> connect(
      std::string host, std::uint16_t port, Duration connect_timeout, ClientSessionSettings settings);

  smtp::ClientCore& core() noexcept { return core_; }
  const smtp::ClientCore& core() const noexcept { return core_; }
  MailStream& stream() noexcept { return stream_; }

  /// Writes what the core queued, then reads until every command awaiting a
  /// reply is answered, the core waits for the TLS handshake or it closed
  /// (after 421 the replies behind it do not come): the replies in order.
  /// The error is a failed write or read, a timeout, EOF or a reply the
  /// core refused (then the core is closed).
  asio::awaitable<ocp::Expected<std::vector<smtp::ClientReply>, std::string>> exchange();

  /// Writes what the core queued without waiting for a reply (message
  /// content sent in batches).
  asio::awaitable<ocp::Expected<void, std::string>> flush();

  /// After a 220 to STARTTLS: the handshake as the client (RFC 3207), then
  /// the core's tls_started(). The error is describe_tls_failure()'s text.
  asio::awaitable<ocp::Expected<void, std::string>> start_tls(asio::ssl::context& context,
                                                              const std::string& server_name, bool verify_name,
                                                              Duration timeout);

  /// Closes at once; the core is left as it was.
  void close() { stream_.close(); }

 private:
  MailStream stream_;
  smtp::ClientCore core_;
  Duration reply_timeout_;
  /// Outside the coroutine frames: a frame this large would not come from
  /// Asio's recycled frame memory but from malloc, once per command.
  std::vector<char> read_buffer_ = std::vector<char>(4096);
};

}  // namespace opes::proxy
