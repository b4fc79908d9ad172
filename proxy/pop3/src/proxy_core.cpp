#include "opes/pop3/proxy_core.hpp"

#include <algorithm>

#include "opes/pop3/capa_rewrite.hpp"
#include "opes/pop3/command_line.hpp"

namespace opes::pop3 {

namespace {

constexpr std::string_view kHostFirst = "-ERR HOST first: name your server with HOST name[:port]";

/// RFC 1939 §3: keywords and arguments are printable ASCII; a control
/// octet (NUL, a bare CR) in a command is refused before it is forwarded.
bool has_control_octet(std::string_view line) {
  return std::any_of(line.begin(), line.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

/// The line up to LF, without CR LF (or a lone LF, taken as a line end).
std::string_view strip_line_end(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::string_view reason_name(Close::Reason reason) {
  switch (reason) {
    case Close::Reason::quit: return "quit";
    case Close::Reason::client_closed: return "client_closed";
    case Close::Reason::upstream_closed: return "upstream_closed";
    case Close::Reason::refused: return "refused";
    case Close::Reason::too_many_errors: return "too_many_errors";
    case Close::Reason::upstream_protocol: return "upstream_protocol";
  }
  return "unknown";
}

ProxyCore::ProxyCore(ProxyLimits limits, ProxyOptions options)
    : limits_(limits), options_(std::move(options)), client_tls_(options_.client_tls) {}

void ProxyCore::greet() {
  if (greeted_ || phase_ != Phase::preamble) return;
  greeted_ = true;
  to_client_ += "+OK " + options_.hostname + " POP3 proxy ready\r\n";
}

std::optional<ProxyEvent> ProxyCore::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto event = std::move(events_.front());
  events_.pop_front();
  return event;
}

bool ProxyCore::wants_client_input() const {
  return phase_ != Phase::closed && !tls_pending_ && !stls_waiting_ && !quit_forwarded_ &&
         client_in_.size() < limits_.max_buffered_input && to_upstream_.size() < limits_.max_buffered_input;
}

bool ProxyCore::wants_upstream_input() const {
  return phase_ == Phase::relay && to_client_.size() < limits_.max_buffered_input;
}

void ProxyCore::close(Close::Reason reason) {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  client_in_.clear();
  upstream_in_.clear();
  events_.push_back(Close{reason});
}

void ProxyCore::client_eof() { close(Close::Reason::client_closed); }

void ProxyCore::upstream_eof() {
  if (phase_ == Phase::relay) close(Close::Reason::upstream_closed);
}

// ---- the client side -------------------------------------------------------

void ProxyCore::receive_from_client(std::string_view bytes) {
  if (phase_ == Phase::closed || tls_pending_ || quit_forwarded_) return;
  client_in_.append(bytes);
  process_client();
}

bool ProxyCore::auth_outstanding() const {
  return std::any_of(owed_.begin(), owed_.end(), [](const Owed& owed) { return owed.auth; });
}

void ProxyCore::process_client() {
  while (phase_ == Phase::preamble || phase_ == Phase::relay) {
    if (tls_pending_ || quit_forwarded_) return;
    if (phase_ == Phase::relay && !sasl_turn_ && !skipping_line_ &&
        (auth_outstanding() || owed_.size() >= limits_.max_pending_commands)) {
      return;  // lines behind an AUTH wait for its exchange to end
    }
    const std::size_t limit = sasl_turn_ || skipping_sasl_ ? limits_.max_sasl_line : limits_.max_command_line;
    const auto lf = client_in_.find('\n');
    if (skipping_line_) {
      if (lf == std::string::npos) {
        client_in_.clear();
        return;
      }
      client_in_.erase(0, lf + 1);
      skipping_line_ = false;
      if (skipping_sasl_) {
        skipping_sasl_ = false;  // the "*" already went upstream; its -ERR answers
      } else {
        answer_bad("-ERR line too long");
      }
      continue;
    }
    if (lf == std::string::npos ? client_in_.size() >= limit : lf + 1 > limit) {
      // Overlong: answered once its end arrived, so that its tail is not
      // taken for a command.
      skipping_line_ = true;
      if (sasl_turn_) {
        sasl_turn_ = false;
        skipping_sasl_ = true;
        to_upstream_ += "*\r\n";  // RFC 5034 §4: cancels the exchange
      }
      continue;
    }
    if (lf == std::string::npos) return;
    const std::string line(strip_line_end(std::string_view(client_in_).substr(0, lf + 1)));
    if (!process_client_line(line)) return;  // waits (an STLS behind responses)
    if (!tls_pending_) client_in_.erase(0, lf + 1);
  }
}

bool ProxyCore::process_client_line(std::string_view line) {
  if (sasl_turn_) {
    // RFC 5034 §4: a base64 response or "*"; the upstream judges it.
    sasl_turn_ = false;
    to_upstream_.append(line);
    to_upstream_ += "\r\n";
    return true;
  }
  if (phase_ == Phase::preamble) {
    preamble_command(line);
    return true;
  }
  return relay_command(line);
}

void ProxyCore::answer(std::string text) {
  if (phase_ == Phase::relay) {
    Owed owed;
    owed.local = true;
    owed.text = std::move(text);
    owed_.push_back(std::move(owed));
    flush_local_answers();
  } else {
    to_client_ += text;
    to_client_ += "\r\n";
  }
}

void ProxyCore::answer_bad(std::string text) {
  if (!greeted_ && phase_ == Phase::preamble) greet();
  answer(std::move(text));
  if (phase_ == Phase::preamble && ++bad_commands_ >= limits_.max_bad_commands) {
    to_client_ += "-ERR too many bad commands, closing\r\n";
    close(Close::Reason::too_many_errors);
  }
}

void ProxyCore::flush_local_answers() {
  while (!owed_.empty() && owed_.front().local) {
    to_client_ += owed_.front().text;
    to_client_ += "\r\n";
    owed_.pop_front();
  }
}

void ProxyCore::answer_stls() {
  if (!options_.offer_stls || client_tls_) {
    // RFC 2595 §4: STLS is only valid where offered, and not under TLS.
    answer(client_tls_ ? "-ERR TLS is already active" : "-ERR STLS is not offered");
    return;
  }
  answer("+OK Begin TLS negotiation");
  tls_pending_ = true;
  client_in_.clear();  // plaintext behind STLS must not pass as protected
  events_.push_back(StartClientTls{});
}

void ProxyCore::preamble_command(std::string_view line) {
  if (line.empty() || has_control_octet(line)) {
    answer_bad("-ERR bad command line");
    return;
  }
  const auto command = parse_command_line(line);
  if (command.keyword == "HOST") {
    if (!command.has_argument) {
      answer_bad("-ERR HOST needs an argument: HOST name[:port]");
      return;
    }
    auto target = host::parse_host_target(command.argument);
    if (!target) {
      answer_bad("-ERR HOST " + target.error());
      return;
    }
    // Client-first (the draft's example): the upstream's greeting is the
    // answer, so the proxy's own is not sent.
    phase_ = Phase::connecting;
    events_.push_back(ConnectRequested{std::move(*target)});
    return;
  }
  if (!greeted_) greet();
  if (command.keyword == "CAPA" && !command.has_argument) {
    to_client_ += preamble_capabilities(options_.offer_stls && !client_tls_);
  } else if (command.keyword == "STLS" && !command.has_argument) {
    answer_stls();
  } else if (command.keyword == "QUIT" && !command.has_argument) {
    answer("+OK " + options_.hostname + " POP3 proxy signing off");
    close(Close::Reason::quit);
  } else {
    answer_bad(std::string(kHostFirst));
  }
}

bool ProxyCore::relay_command(std::string_view line) {
  if (line.empty() || has_control_octet(line)) {
    answer("-ERR bad command line");
    return true;
  }
  const auto command = parse_command_line(line);
  if (command.keyword == "STLS" && !command.has_argument) {
    // RFC 2595 §4: the answer changes the connection, so it is given only
    // when nothing from the upstream is still owed.
    if (!owed_.empty()) {
      stls_waiting_ = true;
      return false;
    }
    stls_waiting_ = false;
    answer_stls();
    return true;
  }
  if (command.keyword == "HOST") {
    answer("-ERR HOST already given");
    return true;
  }
  to_upstream_.append(line);
  to_upstream_ += "\r\n";
  Owed owed;
  owed.multiline = expects_multiline(command);
  owed.capa = command.keyword == "CAPA";
  owed.auth = command.keyword == "AUTH";
  owed_.push_back(std::move(owed));
  if (command.keyword == "QUIT") {
    quit_forwarded_ = true;  // RFC 1939 §6: the upstream closes after its answer
    client_in_.clear();
  }
  return true;
}

// ---- answering ConnectRequested and StartClientTls -------------------------

void ProxyCore::host_connected(std::string_view greeting) {
  if (phase_ != Phase::connecting) return;
  phase_ = Phase::relay;
  greeted_ = true;
  to_client_.append(greeting);
  to_client_ += "\r\n";
  process_client();  // what the client pipelined behind HOST
}

void ProxyCore::host_refused(std::string_view reason) {
  if (phase_ != Phase::connecting) return;
  to_client_ += "-ERR ";
  to_client_.append(reason);
  to_client_ += "\r\n";
  close(Close::Reason::refused);
}

void ProxyCore::client_tls_started() {
  if (!tls_pending_) return;
  tls_pending_ = false;
  client_tls_ = true;
  process_client();
}

// ---- the upstream side -----------------------------------------------------

void ProxyCore::receive_from_upstream(std::string_view bytes) {
  if (phase_ != Phase::relay) return;
  upstream_in_.append(bytes);
  process_upstream();
  process_client();
}

void ProxyCore::upstream_violation() {
  to_client_ += "-ERR [SYS/TEMP] the mail server broke the POP3 protocol\r\n";
  close(Close::Reason::upstream_protocol);
}

void ProxyCore::response_done() {
  owed_.pop_front();
  upstream_state_ = UpstreamState::status;
  flush_local_answers();
}

void ProxyCore::process_upstream() {
  while (phase_ == Phase::relay && !upstream_in_.empty()) {
    if (upstream_state_ == UpstreamState::data) {
      const auto end = scanner_.scan(upstream_in_);
      const std::size_t count = end.value_or(upstream_in_.size());
      to_client_.append(upstream_in_, 0, count);
      upstream_in_.erase(0, count);
      if (end) response_done();
      continue;
    }
    const auto lf = upstream_in_.find('\n');
    if (lf == std::string::npos ? upstream_in_.size() >= limits_.max_status_line
                                : lf + 1 > limits_.max_status_line) {
      upstream_violation();
      return;
    }
    if (lf == std::string::npos) return;
    const std::string line(strip_line_end(std::string_view(upstream_in_).substr(0, lf + 1)));
    upstream_in_.erase(0, lf + 1);
    if (upstream_state_ == UpstreamState::capa) {
      upstream_capability(line);
    } else if (!upstream_status(line)) {
      upstream_violation();
      return;
    }
  }
}

bool ProxyCore::upstream_status(std::string_view line) {
  const bool positive = line.starts_with("+OK") && (line.size() == 3 || line[3] == ' ');
  const bool negative = line.starts_with("-ERR") && (line.size() == 4 || line[4] == ' ');
  const bool continuation = line == "+" || line.starts_with("+ ");
  if (owed_.empty()) {
    // Unsolicited (RFC 1939 §3 autologout: "-ERR ... inactivity" before the
    // server closes): passed on, nothing is matched to it.
    if (!positive && !negative) return false;
    to_client_.append(line);
    to_client_ += "\r\n";
    return true;
  }
  Owed& owed = owed_.front();
  if (continuation && owed.auth) {
    to_client_.append(line);
    to_client_ += "\r\n";
    sasl_turn_ = true;
    return true;
  }
  if (!positive && !negative) return false;
  to_client_.append(line);
  to_client_ += "\r\n";
  if (positive && owed.multiline) {
    upstream_state_ = owed.capa ? UpstreamState::capa : UpstreamState::data;
    scanner_.reset();
    return true;
  }
  response_done();
  return true;
}

void ProxyCore::upstream_capability(std::string_view line) {
  if (line == ".") {
    if (options_.offer_stls && !client_tls_) to_client_ += "STLS\r\n";
    to_client_ += ".\r\n";
    response_done();
    return;
  }
  if (keep_upstream_capability(line)) {
    to_client_.append(line);
    to_client_ += "\r\n";
  }
}

}  // namespace opes::pop3
