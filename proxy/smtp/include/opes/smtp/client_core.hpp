#pragma once
// The SMTP client's protocol state machine (RFC 5321 as a client), free of
// I/O: commands in as calls, command bytes out, server bytes in, replies
// out as events, each matched to the command it answers. The mirror of
// ServerCore; the socket, TLS and timeouts are the caller's.
//
// Driving loop (proxy/gateway SmtpClientSession does this over a MailStream):
//
//   opes::smtp::ClientCore core({.helo_name = "proxy.example.org"});
//   // the greeting is awaited first (or ClientOptions::greeting_read)
//   for (;;) {
//     write_all(core.pending_output()), core.consume_output(size);
//     while (auto event = core.next_event()) { ...decide, maybe core.ehlo() ... }
//     if (core.closed() || core.awaiting() == 0) break;
//     auto bytes = read_some();
//     bytes.empty() ? core.receive_eof() : core.receive(bytes);
//   }
//
// What the core decides by itself:
//   - EHLO answered 5yz: HELO with the same name (RFC 5321 §3.2: a server
//     without extensions refuses EHLO with "command not recognized", 500 or
//     502; §4.1.4 names 501, 504 and 550 for EHLO refused as well). The
//     event reports the HELO's reply, with ClientStep::helo.
//   - 250 to EHLO: the capabilities (parse_ehlo); HELO: none.
//   - 220 to STARTTLS with bytes behind it, or bytes received before
//     tls_started(): ClientFailed{plaintext_injection} (RFC 3207 §4.2,
//     CVE-2011-0411: they arrived in plain text and must never be read as
//     the server's replies after the handshake).
//   - tls_started() and 220 to XCLIENT: the capabilities are forgotten and
//     EHLO is due again (RFC 3207 §4.2; XCLIENT_README).
//   - MAIL and RCPT parameters filtered by the capabilities (server_takes).
//   - A second command while one awaits its reply only when the server
//     offered PIPELINING and each awaiting command may stand inside a group
//     (RFC 2920 §3.1: RSET, MAIL, RCPT, and the message content; XFORWARD,
//     which changes no state, too). EHLO, HELO, DATA, STARTTLS, XCLIENT,
//     NOOP and QUIT end a group.
//   - 421 to any command (RFC 5321 §3.8): the server closes; the core is
//     closed and the commands behind it stay unanswered.
//   - A malformed or oversized reply (ReplyReaderLimits), EOF while a
//     reply is awaited, or more unasked bytes than ClientLimits::max_unread:
//     ClientFailed, and the core is closed.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ocp/expected.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/smtp/client_commands.hpp"
#include "opes/smtp/client_forwarding.hpp"
#include "opes/smtp/dot_stuffer.hpp"
#include "opes/smtp/path_argument.hpp"
#include "opes/smtp/reply_reader.hpp"
#include "opes/smtp/server_capabilities.hpp"

namespace opes::smtp {

/// The command (or the greeting, or the message content) a reply answers.
enum class ClientStep {
  greeting,
  ehlo,
  helo,
  starttls,
  xclient,
  xforward,
  mail,
  rcpt,
  data,
  message,  // the content and its final dot (RFC 5321 §4.1.1.4)
  rset,
  noop,
  quit,
};

std::string_view describe(ClientStep step) noexcept;

/// A reply and what it answers.
struct ClientReply {
  ClientStep step;
  ocp::smtp::Reply reply;
};

enum class ClientFailure {
  malformed_reply,      // ReplyReader refused the server's bytes (also: too long, too many lines)
  plaintext_injection,  // bytes after the 220 to STARTTLS, before the handshake
  server_closed,        // EOF while a reply was awaited
  unsolicited,          // more than ClientLimits::max_unread octets nobody asked for
};

/// The dialogue cannot go on; the core is closed.
struct ClientFailed {
  ClientFailure failure;
  std::string reason;
};

using ClientEvent = std::variant<ClientReply, ClientFailed>;

struct ClientLimits {
  ReplyReaderLimits replies;
  /// Commands sent and not yet answered (a pipelined group's length).
  std::size_t max_pipelined = 100;
  /// Server bytes held beyond the replies awaited (replies nobody asked
  /// for, or more than a group's); more is ClientFailed{unsolicited}.
  std::size_t max_unread = 64 * 1024;
};

struct ClientOptions {
  std::string helo_name = "localhost";  // the EHLO/HELO argument
  /// The server's greeting was read by someone else (a session handing the
  /// connection over, HOST relaying the greeting): the core starts ready
  /// for EHLO instead of awaiting a 220.
  bool greeting_read = false;
  ClientLimits limits;
};

/// A call that the state does not allow (a misuse by the application), or
/// a MAIL that this server cannot take: then `reply` is for our client.
struct ClientError {
  std::string reason;
  std::optional<ocp::smtp::Reply> reply;
};

/// Whether a MAIL/RCPT parameter may go to a server with `capabilities`:
/// the extensions the proxy offers itself go on only where the server
/// offers them too (SIZE is an estimate and optional, RFC 1870 §6; the DSN
/// parameters need DSN, RFC 3461 §4), any other one when the server lists
/// its keyword.
bool server_takes(const ServerCapabilities& capabilities, const MailParameter& parameter);

class ClientCore {
 public:
  explicit ClientCore(ClientOptions options = {});

  // ---- input from the server
  /// Received bytes. Ignored once closed.
  void receive(std::string_view bytes);
  void receive_eof();
  /// The next reply matched to its command, or a failure; nullopt while
  /// a reply is incomplete or none is awaited.
  std::optional<ClientEvent> next_event();

  // ---- commands (each queues its line in pending_output())
  /// EHLO with options.helo_name, or `name` (non-empty: one printable word).
  ocp::Expected<void, ClientError> ehlo(std::string_view name = {});
  ocp::Expected<void, ClientError> starttls();
  /// RFC 3207 §4.2: TLS is up after the 220; EHLO is due again.
  ocp::Expected<void, ClientError> tls_started();
  /// One line of format_client_forwarding() (CRLF included).
  ocp::Expected<void, ClientError> forward(ForwardCommand command, std::string_view line);
  /// MAIL with the parameters server_takes(); a SMTPUTF8 the server does
  /// not offer is ClientError with 553 5.6.7 (RFC 6531 §3.2: the message
  /// needs SMTPUTF8 all the way).
  ocp::Expected<void, ClientError> mail(const PathArgument& reverse_path);
  ocp::Expected<void, ClientError> rcpt(const PathArgument& forward_path);
  ocp::Expected<void, ClientError> data();
  /// Message content after 354: dot-stuffed (dot_stuffer.hpp), any split.
  ocp::Expected<void, ClientError> content(std::string_view bytes);
  /// The final dot; its reply is ClientStep::message.
  ocp::Expected<void, ClientError> end_content();
  ocp::Expected<void, ClientError> rset();
  ocp::Expected<void, ClientError> noop();
  ocp::Expected<void, ClientError> quit();

  // ---- output
  std::string_view pending_output() const noexcept { return output_; }
  void consume_output(std::size_t octets);

  // ---- state
  /// Commands sent (or queued) whose replies have not come.
  std::size_t awaiting() const noexcept { return awaiting_.size(); }
  /// Whether `step` may be sent now (the rules above).
  bool may_send(ClientStep step) const noexcept;
  /// 250 to EHLO/HELO seen since the greeting, the handshake or XCLIENT.
  bool greeted() const noexcept { return greeted_; }
  /// After 354 and before end_content().
  bool in_content() const noexcept { return mode_ == Mode::content; }
  /// Waiting for the caller's TLS handshake (220 to STARTTLS).
  bool tls_pending() const noexcept { return mode_ == Mode::tls_handshake; }
  bool tls_active() const noexcept { return tls_active_; }
  /// After 421, QUIT's reply, EOF or a failure: nothing more is sent or read.
  bool closed() const noexcept { return mode_ == Mode::closed; }
  const ServerCapabilities& capabilities() const noexcept { return capabilities_; }

 private:
  enum class Mode { ready, content, tls_handshake, closed };

  ocp::Expected<void, ClientError> send(ClientStep step, std::string line);
  ocp::Expected<void, ClientError> refuse(std::string reason) const;
  void take(ClientStep step, ocp::smtp::Reply reply);
  std::optional<ClientEvent> unread_within_bound();
  void forget_session() noexcept;
  void close() noexcept;

  ClientOptions options_;
  Mode mode_ = Mode::ready;
  ReplyReader reader_;
  std::deque<ClientStep> awaiting_;
  std::deque<ClientEvent> events_;
  std::string output_;
  DotStuffer stuffer_;

  bool greeting_seen_ = false;
  bool greeting_refused_ = false;  // 554 greeting: only QUIT (RFC 5321 §3.1)
  bool greeted_ = false;
  bool tls_active_ = false;
  bool mail_sent_ = false;  // MAIL queued and not yet undone by its reply, RSET or the end of data
  bool rcpt_sent_ = false;
  bool eof_ = false;
  std::string ehlo_name_;  // for the HELO fallback
  ServerCapabilities capabilities_;
};

}  // namespace opes::smtp
