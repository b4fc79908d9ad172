#pragma once
// The POP3 proxy's protocol state machine, free of I/O and time (sans-I/O,
// as quinn-proto and h11): bytes in from the client and from the upstream,
// events and bytes out for each side.
//
// Phases:
//   preamble  before HOST. The proxy greets (greet(); a client that spoke
//             first and named its server gets the upstream's greeting
//             instead), answers CAPA (capa_rewrite.hpp), STLS (RFC 2595 §4:
//             "+OK Begin TLS negotiation", then StartClientTls), QUIT, and
//             HOST name[:port] (draft-khanna-proxy-mail-protocols-00 §4):
//             ConnectRequested, answered by host_connected() with the
//             upstream's greeting line or host_refused() with the reason.
//             Anything else: "-ERR HOST first: ...".
//   relay     client lines go to the upstream and its responses back, in
//             order (RFC 2449 §6.6 PIPELINING: commands queue, responses
//             are matched to them), except STLS (the client side's TLS ends
//             here; answered once no response is outstanding), HOST (-ERR
//             HOST already given) and CAPA, whose multi-line answer loses
//             the upstream's STLS and gains ours when offered now.
//             A "+ " continuation to AUTH (RFC 5034 §4) makes the client's
//             next line a SASL response, forwarded raw; lines behind an
//             AUTH wait until its exchange ends.
//
// Limits: a command line is at most 255 octets with CRLF (RFC 2449 §4), a
// SASL response line 12290; longer lines are answered "-ERR line too long"
// (a SASL one cancels the exchange upstream with "*", RFC 5034 §4). An
// upstream status or capability line is at most 512 octets (RFC 2449 §4);
// a longer one, or a line that is no status, ends the session with
// "-ERR [SYS/TEMP] ..." (RFC 3206). Multi-line data passes through in the
// pieces it arrives in, never kept whole (multiline_scanner.hpp).

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "opes/host/host_target.hpp"
#include "opes/pop3/multiline_scanner.hpp"

namespace opes::pop3 {

struct ProxyLimits {
  std::size_t max_command_line = 255;       // RFC 2449 §4, CRLF included
  std::size_t max_sasl_line = 12288 + 2;    // as SMTP AUTH (RFC 4954 §4), CRLF included
  std::size_t max_status_line = 512;        // RFC 2449 §4, CRLF included
  std::size_t max_bad_commands = 10;        // before HOST: then -ERR and close
  std::size_t max_pending_commands = 64;    // pipelined commands awaiting responses
  std::size_t max_buffered_input = 64 * 1024;  // wants_*_input() turns false beyond
};

struct ProxyOptions {
  std::string hostname = "localhost";  // in the proxy's greeting and goodbye
  bool offer_stls = false;             // the listener has a TLS identity
  bool client_tls = false;             // the client connection is TLS already
};

/// The client named its server (HOST's argument, checked for syntax only).
struct ConnectRequested {
  host::HostTarget target;
};
/// "+OK Begin TLS negotiation" is queued: flush to_client(), handshake, then
/// client_tls_started(). Octets the client sent behind STLS are dropped
/// (they were plaintext that must not count as protected, RFC 2595 §4).
struct StartClientTls {};
/// Flush to_client() and close both sides.
struct Close {
  enum class Reason { quit, client_closed, upstream_closed, refused, too_many_errors, upstream_protocol };
  Reason reason = Reason::quit;
};
using ProxyEvent = std::variant<ConnectRequested, StartClientTls, Close>;
std::string_view reason_name(Close::Reason reason);

class ProxyCore {
 public:
  enum class Phase { preamble, connecting, relay, closed };

  explicit ProxyCore(ProxyLimits limits = {}, ProxyOptions options = {});

  /// Queues "+OK <hostname> POP3 proxy ready" (RFC 1939 §4) once; ignored
  /// after HOST was received. A command other than HOST before it greets
  /// first.
  void greet();

  void receive_from_client(std::string_view bytes);
  void client_eof();
  void receive_from_upstream(std::string_view bytes);
  void upstream_eof();

  std::optional<ProxyEvent> poll_event();

  /// Answers ConnectRequested: `greeting` is the upstream's "+OK ..." line
  /// without CRLF, relayed as HOST's answer; relaying starts.
  void host_connected(std::string_view greeting);
  /// Answers ConnectRequested: "-ERR <reason>" and Close{refused}.
  void host_refused(std::string_view reason);
  /// After StartClientTls: the handshake succeeded.
  void client_tls_started();

  std::string_view to_client() const { return to_client_; }
  void consume_to_client(std::size_t count) { to_client_.erase(0, count); }
  std::string_view to_upstream() const { return to_upstream_; }
  void consume_to_upstream(std::size_t count) { to_upstream_.erase(0, count); }

  /// Whether reading more from that side is useful now (backpressure, and
  /// no reading between STLS and the handshake).
  bool wants_client_input() const;
  bool wants_upstream_input() const;

  Phase phase() const { return phase_; }
  bool closed() const { return phase_ == Phase::closed; }
  bool client_tls() const { return client_tls_; }
  bool greeted() const { return greeted_; }

 private:
  /// A response the client is owed, in command order.
  struct Owed {
    bool local = false;       // the proxy's own answer, in `text`
    std::string text;
    bool multiline = false;   // relayed: a +OK is followed by data lines
    bool capa = false;        // relayed CAPA: rewritten
    bool auth = false;        // relayed AUTH: "+ " continuations
  };
  enum class UpstreamState { status, data, capa };

  void process_client();
  bool process_client_line(std::string_view line);
  void preamble_command(std::string_view line);
  bool relay_command(std::string_view line);
  void answer_stls();
  void answer(std::string text);
  void answer_bad(std::string text);
  void flush_local_answers();
  void close(Close::Reason reason);
  bool auth_outstanding() const;

  void process_upstream();
  bool upstream_status(std::string_view line);
  void upstream_capability(std::string_view line);
  void response_done();
  void upstream_violation();

  ProxyLimits limits_;
  ProxyOptions options_;
  Phase phase_ = Phase::preamble;
  bool greeted_ = false;
  bool client_tls_ = false;
  bool tls_pending_ = false;     // between STLS's +OK and client_tls_started()
  bool stls_waiting_ = false;    // an STLS waits for the outstanding responses
  bool skipping_line_ = false;   // the rest of an overlong client line is dropped
  bool skipping_sasl_ = false;   // ... and it was a SASL response
  bool sasl_turn_ = false;       // the next client line answers a "+ "
  bool quit_forwarded_ = false;  // nothing after QUIT is read
  std::size_t bad_commands_ = 0;
  std::string client_in_;
  std::string upstream_in_;
  std::string to_client_;
  std::string to_upstream_;
  std::deque<Owed> owed_;
  UpstreamState upstream_state_ = UpstreamState::status;
  MultilineScanner scanner_;
  std::deque<ProxyEvent> events_;
};

}  // namespace opes::pop3
