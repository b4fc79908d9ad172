#pragma once
// The SMTP server's protocol state machine (RFC 5321), free of I/O: bytes in,
// events and reply bytes out. One command at a time: the next pipelined
// command (RFC 2920) is not read before the current one got its reply.
//
// Driving loop of a session (socket and TLS are the caller's):
//
//   opes::smtp::ServerCore core(limits, {.domain = "mx.example.org"});
//   core.greet(opes::smtp::greeting("mx.example.org"));
//   for (;;) {
//     if (core.should_flush()) write_all(core.pending_output()), core.consume_output(size);
//     if (core.closed()) break;
//     if (core.wants_input()) {
//       auto bytes = read_some();
//       bytes.empty() ? core.receive_eof() : core.receive(bytes);
//     }
//     while (auto event = core.next_event()) {
//       // CommandReceived / ContinuationLine / DataEnd: decide (maybe after an
//       // OCP round trip), then core.reply(reply). DataChunk: pass on.
//       // TransactionReset: end the OCP transaction. TlsRequested: flush,
//       // handshake, core.tls_started(). CloseRequested: flush, close.
//       // ClientClosed: close.
//     }
//   }
//
// What the core answers by itself (every reply with an RFC 3463 enhanced
// status code unless ServerOptions::enhanced_status_codes is off):
//   NOOP 250 2.0.0, HELP 214 2.0.0, RSET 250 2.0.0 (+ TransactionReset),
//   QUIT 221 2.0.0 (+ CloseRequested{quit}; nothing is read afterwards),
//   an empty line, a control octet or a bare LF in a command line 500 5.5.2,
//   a command line over max_command_line 500 5.5.0 (the rest of the line is
//   skipped, the session goes on), missing or extra arguments 501 5.5.4,
//   MAIL before HELO/EHLO, nested MAIL, RCPT before MAIL, DATA before RCPT
//   503 5.5.1 (DATA after only refused RCPTs 554 5.5.1), the MAIL/RCPT
//   argument errors of path_argument.hpp, SIZE over the limit 552 5.3.4,
//   recipients over the limit 452 4.5.3, BDAT 502 5.5.1 (CHUNKING is not
//   offered), a second STARTTLS 503 5.5.1, and every other refusal of the
//   session's CommandTable (command_table.hpp: 502 not offered, 503 out of
//   order, 530 5.7.0 authentication required).
// Replies 500-504, 535 and 555, the core's and the application's, count as
// bad commands; the one that reaches max_bad_commands is followed by 421 4.7.0
// and CloseRequested{too_many_errors}. A 421 from the application closes too.
// A DATA refused (any reply but 354, the core's or the application's) while
// input already waits behind it is followed by 421 4.5.0 and
// CloseRequested{pipelining_violation}: RFC 2920 §3.1 lets DATA only end a
// command group and RFC 5321 §3.3 forbids message data without a 354, so
// that input is the message, and none of its lines may run as a command
// (Postfix: smtpd_forbid_unauth_pipelining).
//
// AUTH (RFC 4954), learned from the replies the application sends:
//   AUTH before HELO/EHLO, inside a transaction or after a successful AUTH
//   503 5.5.1 (§4); its argument must be `mechanism [initial-response]`
//   (else 501 5.5.4) and reaches the application as CommandReceived::auth.
//   334 to AUTH or to a ContinuationLine makes the next line a
//   ContinuationLine (up to ServerLimits::max_sasl_line: §4 asks for the
//   mechanisms' sizes, "very few ... beyond 12288 octets"); a "*" line is
//   answered 501 5.0.0 and ends the exchange (AuthCancelled), as does a line
//   the core refuses; 235 makes authenticated() true; 535 counts as a bad
//   command; tls_started() forgets the authentication (RFC 3207 §4.2).
//
// HOST (draft-khanna-proxy-mail-protocols-00) reaches the application only
// with ServerOptions::host_first and only as the first command line (503
// 5.5.1 later, 502 5.5.1 without the option). ServerOptions::require_auth
// answers MAIL, RCPT, DATA, VRFY, EXPN and HELP 530 5.7.0 until AUTH
// succeeded (RFC 4954 §6). ServerOptions::commands replaces the table for a
// session (e.g. ODMR's few verbs, command_table.hpp).
//
// Handing the connection over (ATRN, RFC 2645; HOST relaying the chosen
// server's greeting): reply_and_release() queues the positive reply and
// releases the connection. From then the core produces no events and reads
// nothing (receive() and receive_eof() are ignored); flush the pending
// output, then take_unread() returns, once, every octet received but not
// consumed (what the client pipelined behind the command), for the new
// owner of the stream to read first (h11's trailing_data).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/smtp/command_table.hpp"
#include "opes/smtp/data_reader.hpp"
#include "opes/smtp/server_events.hpp"

namespace opes::smtp {

struct ServerLimits {
  /// RFC 5321 §4.5.3.1.4 says 512 octets with CRLF; extensions add
  /// parameters (§4.5.3.1.4 allows more per extension), so 2048.
  std::size_t max_command_line = 2048;
  /// A line answering a 334 (RFC 4954 §4), CRLF included: 12288 octets of
  /// base64 ("very few mechanisms have sizes beyond 12288 octets") and CRLF.
  /// Longer: 500 5.5.0 and the exchange ends.
  std::size_t max_sasl_line = 12288 + 2;
  /// RFC 5321 §4.5.3.1.6, CRLF included; 0 = unlimited.
  std::size_t max_data_line = 1000;
  /// The SIZE we advertise (RFC 1870); 0 = unlimited.
  std::uint64_t max_message_size = 0;
  /// RFC 5321 §4.5.3.1.8: at least 100 must be accepted.
  std::size_t max_recipients = 1000;
  std::size_t max_bad_commands = 20;
  /// The size of DataChunk events.
  std::size_t data_chunk_size = 64 * 1024;
  /// wants_input() turns false once this much input waits behind a
  /// command that awaits its reply (RFC 2920 pipelining).
  std::size_t max_buffered_input = 64 * 1024;
};

struct ServerOptions {
  std::string domain = "localhost";   // in the 421 the core sends
  bool enhanced_status_codes = true;  // RFC 2034: advertise ENHANCEDSTATUSCODES with it
  /// A bare CR or LF in message data: refused, or made a CRLF (data_reader.hpp).
  BareLineEndings bare_line_endings = BareLineEndings::reject;
  /// HOST (draft-khanna-proxy-mail-protocols-00 §4) reaches the application
  /// as the first command line only (503 5.5.1 later); off: 502 5.5.1.
  bool host_first = false;
  /// RFC 4954 §6: 530 5.7.0 to MAIL, RCPT, DATA, VRFY, EXPN and HELP until an
  /// AUTH was answered 235 (SmtpCommandPolicy::require_auth).
  bool require_auth = false;
  /// The session's own table (e.g. an ODMR profile); unset:
  /// smtp_commands({host_first, require_auth}).
  std::optional<CommandTable> commands = std::nullopt;
};

/// A misuse of the core by the application, e.g. a reply when none is due.
struct ServerError {
  std::string reason;
};

class ServerCore {
 public:
  explicit ServerCore(ServerLimits limits = {}, ServerOptions options = {});

  /// Queues the connection greeting (RFC 5321 §3.1), e.g. greeting(domain).
  void greet(const ocp::smtp::Reply& reply);

  /// Received bytes. Ignored once closed and between a 220 to STARTTLS and
  /// tls_started() (they would be plaintext injected before the handshake).
  void receive(std::string_view bytes);
  void receive_eof();

  std::optional<ServerEvent> next_event();

  /// Answers the command, continuation line or DataEnd that awaits a reply;
  /// the core learns the session's state from it (2xx to EHLO/HELO greets,
  /// 2xx to MAIL opens the transaction, 2xx to RCPT counts a recipient, 354
  /// to DATA starts the message, 220 to STARTTLS asks for TLS, 334 makes the
  /// next line a ContinuationLine, any reply after DataEnd ends the transaction).
  ocp::Expected<void, ServerError> reply(const ocp::smtp::Reply& reply);

  /// Answers the awaited command with a positive reply (250 to ATRN, the
  /// relayed 220 greeting to HOST) and releases the connection: no further
  /// event, no further read; flush, then take_unread(). An error (nothing
  /// changed) unless a command awaits its reply and the reply is 2xx.
  ocp::Expected<void, ServerError> reply_and_release(const ocp::smtp::Reply& reply);

  /// After reply_and_release(): the octets received and not consumed, in
  /// order; "" on later calls and before the release.
  std::string take_unread();

  /// RFC 3207 §4.2: TLS is up; the session starts over, not greeted, and
  /// knows nothing the client said before.
  ocp::Expected<void, ServerError> tls_started();

  std::string_view pending_output() const noexcept { return output_; }
  void consume_output(std::size_t octets);
  /// RFC 2920 §3.2: replies may wait while further pipelined commands are
  /// buffered; true when none is (or a reply must not wait: the greeting,
  /// 354, the reply after the final dot, 220 to STARTTLS, 221, 421).
  bool should_flush() const noexcept;
  bool wants_input() const noexcept;
  /// After QUIT, 421 or EOF: nothing more is read; flush, then close.
  bool closed() const noexcept { return mode_ == Mode::closed; }
  bool in_transaction() const noexcept { return transaction_open_; }
  bool tls_active() const noexcept { return tls_active_; }
  /// An AUTH was answered 235 (since the last tls_started()).
  bool authenticated() const noexcept { return authenticated_; }
  /// reply_and_release() was called; the core is done with the connection.
  bool released() const noexcept { return mode_ == Mode::released; }

 private:
  enum class Mode { command, continuation, data, tls_handshake, closed, released };
  enum class Awaiting { nothing, command, continuation, data_end };

  bool read_line();  // false: more input needed
  bool read_data();
  void handle_command(std::string_view line);
  /// The first gate of the CommandTable (or argument syntax) the command fails.
  std::optional<ocp::smtp::Reply> refusal_by_table(const Command& command) const;
  /// A line refused before it was parsed: back to commands, any AUTH exchange ends.
  void refuse_line(std::uint16_t code, std::string_view enhanced_status, std::string_view text);
  void ask(Command command, std::optional<PathArgument> path = {},
           std::optional<AuthArgument> auth = {});
  void answer(std::uint16_t code, std::string_view enhanced_status, std::string_view text);
  void send(const ocp::smtp::Reply& reply, bool flush_now);
  void count_if_bad(std::uint16_t code);
  /// After a refused DATA: input behind it means the client sent the message.
  void close_if_data_pipelined();
  /// 421 and the session ends: nothing more is read.
  void close_with_421(std::string_view enhanced_status, std::string_view text, CloseReason reason);
  void reset_transaction() noexcept;
  void discard_input() noexcept;
  std::string_view input() const noexcept;
  bool holds_complete_line() const noexcept;
  std::size_t line_limit() const noexcept;

  ServerLimits limits_;
  ServerOptions options_;
  CommandTable commands_;
  Mode mode_ = Mode::command;
  Awaiting awaiting_ = Awaiting::nothing;
  Verb awaiting_verb_ = Verb::unknown;
  std::optional<PathArgument> awaiting_path_;

  std::string input_;
  std::size_t input_start_ = 0;  // octets of input_ already read
  bool skipping_long_line_ = false;
  bool eof_ = false;

  std::string output_;
  bool flush_now_ = false;
  std::deque<ServerEvent> events_;

  bool greeted_ = false;
  bool tls_active_ = false;
  bool authenticated_ = false;
  bool auth_exchange_ = false;     // a 334 answered AUTH; continuation lines are SASL
  std::size_t command_lines_ = 0;  // since the greeting, for VerbRule::first_only
  bool transaction_open_ = false;
  bool transaction_smtputf8_ = false;
  bool recipient_tried_ = false;
  std::size_t recipients_ = 0;
  std::size_t bad_commands_ = 0;

  DataReader data_;
  std::string chunk_;
};

}  // namespace opes::smtp
