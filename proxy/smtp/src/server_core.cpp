#include "opes/smtp/server_core.hpp"

#include <algorithm>
#include <utility>

#include "opes/smtp/command_error.hpp"
#include "opes/smtp/mail_parameters.hpp"

namespace opes::smtp {

namespace {

bool blank(std::string_view argument) noexcept {
  return argument.find_first_not_of(' ') == std::string_view::npos;
}

/// RFC 5321 §2.3.8 and §4.1.1: a command line holds no CR, NUL or other
/// control octet (HT is tolerated, UTF-8 is judged by the path parser).
bool has_control_octet(std::string_view line) noexcept {
  return std::any_of(line.begin(), line.end(), [](char c) {
    const auto octet = static_cast<unsigned char>(c);
    return (octet < 32 && octet != '\t') || octet == 127;
  });
}

/// The fixed grammar of each verb's argument (RFC 5321 §4.1.1, RFC 3207
/// §4, RFC 4954 §4): the 501 5.5.4 text when it is missing or extra.
std::optional<std::string_view> argument_error(Verb verb, bool no_argument) noexcept {
  switch (verb) {
    case Verb::helo:
      return no_argument ? std::optional<std::string_view>("Syntax: HELO hostname") : std::nullopt;
    case Verb::ehlo:
      return no_argument ? std::optional<std::string_view>("Syntax: EHLO hostname") : std::nullopt;
    case Verb::vrfy:
      return no_argument ? std::optional<std::string_view>("Syntax: VRFY address") : std::nullopt;
    case Verb::expn:
      return no_argument ? std::optional<std::string_view>("Syntax: EXPN name") : std::nullopt;
    case Verb::host:
      return no_argument ? std::optional<std::string_view>("Syntax: HOST name") : std::nullopt;
    case Verb::data:
      return no_argument ? std::nullopt : std::optional<std::string_view>("Syntax: DATA");
    case Verb::rset:
      return no_argument ? std::nullopt : std::optional<std::string_view>("Syntax: RSET");
    case Verb::quit:
      return no_argument ? std::nullopt : std::optional<std::string_view>("Syntax: QUIT");
    case Verb::starttls:
      return no_argument ? std::nullopt : std::optional<std::string_view>("Syntax: STARTTLS");
    default:
      return std::nullopt;  // MAIL, RCPT and AUTH are parsed in full later
  }
}

}  // namespace

ServerCore::ServerCore(ServerLimits limits, ServerOptions options)
    : limits_(limits),
      options_(std::move(options)),
      commands_(options_.commands ? *options_.commands
                                  : smtp_commands({options_.host_first, options_.require_auth})) {
  limits_.data_chunk_size = std::max<std::size_t>(limits_.data_chunk_size, 1);
  limits_.max_command_line = std::max<std::size_t>(limits_.max_command_line, 3);
  limits_.max_sasl_line = std::max<std::size_t>(limits_.max_sasl_line, 3);
}

void ServerCore::greet(const ocp::smtp::Reply& reply) {
  send(reply, true);
}

void ServerCore::receive(std::string_view bytes) {
  if (mode_ == Mode::closed || mode_ == Mode::tls_handshake || mode_ == Mode::released || eof_)
    return;
  if (input_start_ != 0 && input_start_ * 2 >= input_.size()) {
    input_.erase(0, input_start_);
    input_start_ = 0;
  }
  input_.append(bytes);
}

void ServerCore::receive_eof() {
  eof_ = true;
}

std::optional<ServerEvent> ServerCore::next_event() {
  for (;;) {
    if (!events_.empty()) {
      ServerEvent event = std::move(events_.front());
      events_.pop_front();
      return event;
    }
    if (awaiting_ != Awaiting::nothing) return std::nullopt;
    bool progressed = false;
    switch (mode_) {
      case Mode::command:
      case Mode::continuation:
        progressed = read_line();
        break;
      case Mode::data:
        progressed = read_data();
        break;
      case Mode::tls_handshake:
      case Mode::closed:
      case Mode::released:
        break;
    }
    if (!progressed && events_.empty()) return std::nullopt;
  }
}

bool ServerCore::read_line() {
  std::string_view in = input();
  if (skipping_long_line_) {
    // The tail of a line already answered "500 Line too long".
    const std::size_t lf = in.find('\n');
    if (lf != std::string_view::npos) {
      input_start_ += lf + 1;
      skipping_long_line_ = false;
      return true;
    }
    discard_input();
    in = {};
  }
  const std::size_t limit = line_limit();
  const std::size_t lf = in.substr(0, limit).find('\n');
  if (lf == std::string_view::npos) {
    if (in.size() >= limit) {
      // RFC 5321 §4.5.3.1.10: "500 Line too long"; the line is skipped up to
      // its LF, however far that is, so the session stays in step.
      const std::size_t end = in.find('\n');
      if (end == std::string_view::npos) {
        discard_input();
        skipping_long_line_ = true;
      } else {
        input_start_ += end + 1;
      }
      refuse_line(500, "5.5.0", "Line too long");
      return true;
    }
    if (eof_) {
      discard_input();
      mode_ = Mode::closed;
      events_.push_back(ClientClosed{});
      return true;
    }
    return false;
  }
  std::string line(in.substr(0, lf));
  input_start_ += lf + 1;
  if (line.empty() || line.back() != '\r') {
    // RFC 5321 §2.3.8: only CRLF ends a line; a bare LF is refused, never
    // taken as a line end (the same rule as in the message data).
    refuse_line(500, "5.5.2", "Syntax error: bare LF received");
    return true;
  }
  line.pop_back();
  if (has_control_octet(line)) {
    refuse_line(500, "5.5.2", "Syntax error: control character in command line");
    return true;
  }
  if (mode_ == Mode::continuation) {
    if (auth_exchange_ && line == "*") {
      // RFC 4954 §4: "*" cancels the exchange and MUST get a 501.
      refuse_line(501, "5.0.0", "Authentication cancelled");
      return true;
    }
    awaiting_ = Awaiting::continuation;
    events_.push_back(ContinuationLine{std::move(line)});
    return true;
  }
  ++command_lines_;
  handle_command(line);
  return true;
}

void ServerCore::refuse_line(std::uint16_t code, std::string_view enhanced_status,
                             std::string_view text) {
  if (mode_ == Mode::command) ++command_lines_;
  if (std::exchange(auth_exchange_, false)) events_.push_back(AuthCancelled{});
  mode_ = Mode::command;
  answer(code, enhanced_status, text);
}

std::optional<ocp::smtp::Reply> ServerCore::refusal_by_table(const Command& command) const {
  const bool enhanced = options_.enhanced_status_codes;
  const VerbRule& rule = commands_[command.verb];
  if (!rule.offered) return make_reply(502, "5.5.1", "Error: command not implemented", enhanced);
  if (auto error = argument_error(command.verb, blank(command.argument))) {
    return make_reply(501, "5.5.4", *error, enhanced);
  }
  if (rule.first_only && command_lines_ != 1) {
    return make_reply(
        503, "5.5.1",
        "Error: " + std::string(verb_name(command.verb)) + " must be the first command", enhanced);
  }
  if (rule.needs_hello && !greeted_) {
    return make_reply(503, "5.5.1", "Error: send HELO/EHLO first", enhanced);
  }
  if (rule.before_tls && tls_active_) {
    return make_reply(503, "5.5.1", "Error: TLS already active", enhanced);
  }
  if (rule.auth == AuthGate::required && !authenticated_) {
    return make_reply(530, "5.7.0", "Authentication required", enhanced);
  }
  if (rule.auth == AuthGate::before && authenticated_) {
    return make_reply(503, "5.5.1", "Error: already authenticated", enhanced);
  }
  if (rule.transaction == TransactionGate::outside && transaction_open_) {
    return make_reply(503, "5.5.1",
                      command.verb == Verb::mail ? "Error: nested MAIL command"
                                                 : "Error: MAIL transaction in progress",
                      enhanced);
  }
  if (rule.transaction == TransactionGate::inside && !transaction_open_) {
    return make_reply(503, "5.5.1", "Error: need MAIL command", enhanced);
  }
  return std::nullopt;
}

void ServerCore::handle_command(std::string_view line) {
  Command command = parse_command(line);
  if (command.verb_text.empty()) {
    answer(500, "5.5.2", "Syntax error: command expected");
    return;
  }
  if (auto refusal = refusal_by_table(command)) {
    send(*refusal, false);
    if (command.verb == Verb::data) close_if_data_pipelined();
    return;
  }
  switch (command.verb) {
    case Verb::mail: {
      auto path = parse_mail_from(command.argument);
      if (!path) return send(path.error().reply(options_.enhanced_status_codes), false);
      const auto size = declared_size(*path);
      if (limits_.max_message_size != 0 && size && *size > limits_.max_message_size) {
        // RFC 1870 §6.1: a declared size above the limit is refused at MAIL.
        return answer(552, "5.3.4", "Message size exceeds fixed maximum message size");
      }
      return ask(std::move(command), std::move(*path));
    }
    case Verb::rcpt: {
      if (recipients_ >= limits_.max_recipients) {
        // RFC 5321 §4.5.3.1.10: "452 Too many recipients"
        return answer(452, "4.5.3", "Error: too many recipients");
      }
      auto path = parse_rcpt_to(command.argument, PathOptions{transaction_smtputf8_});
      if (!path) return send(path.error().reply(options_.enhanced_status_codes), false);
      return ask(std::move(command), std::move(*path));
    }
    case Verb::data:
      if (recipients_ != 0) return ask(std::move(command));
      // RFC 2920 §3.1: after pipelined RCPTs that all failed, DATA gets 554.
      if (recipient_tried_) {
        answer(554, "5.5.1", "Error: no valid recipients");
      } else {
        answer(503, "5.5.1", "Error: need RCPT command");
      }
      return close_if_data_pipelined();
    case Verb::rset:
      reset_transaction();
      answer(250, "2.0.0", "Ok");
      events_.push_back(TransactionReset{});
      return;
    case Verb::noop:
      return answer(250, "2.0.0", "Ok");  // RFC 5321 §4.1.1.9: its argument is ignored
    case Verb::help:
      return answer(214, "2.0.0", "See RFC 5321");
    case Verb::quit:
      send(make_reply(221, "2.0.0", "Bye", options_.enhanced_status_codes), true);
      mode_ = Mode::closed;
      discard_input();
      events_.push_back(CloseRequested{CloseReason::quit});
      return;
    case Verb::auth: {
      auto auth = parse_auth_argument(command.argument);
      if (!auth) return answer(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
      return ask(std::move(command), std::nullopt, std::move(*auth));
    }
    case Verb::helo:
    case Verb::ehlo:
    case Verb::starttls:
    case Verb::vrfy:
    case Verb::expn:
    case Verb::atrn:
    case Verb::host:
    case Verb::bdat:
    case Verb::unknown:
      return ask(std::move(command));
  }
}

void ServerCore::ask(Command command, std::optional<PathArgument> path,
                     std::optional<AuthArgument> auth) {
  awaiting_ = Awaiting::command;
  awaiting_verb_ = command.verb;
  awaiting_path_ = path;
  events_.push_back(CommandReceived{std::move(command), std::move(path), std::move(auth)});
}

bool ServerCore::read_data() {
  const std::string_view in = input();
  if (in.empty()) {
    if (!eof_) return false;
    mode_ = Mode::closed;
    chunk_.clear();
    events_.push_back(ClientClosed{});
    return true;
  }
  input_start_ += data_.read(in, chunk_, limits_.data_chunk_size);
  // After a violation the message is refused: what it had so far is dropped.
  if (data_.violation() != DataViolation::none) chunk_.clear();
  if (data_.finished()) {
    mode_ = Mode::command;
    awaiting_ = Awaiting::data_end;
    if (!chunk_.empty()) events_.push_back(DataChunk{std::exchange(chunk_, {})});
    events_.push_back(DataEnd{data_.refusal(options_.enhanced_status_codes), data_.message_size()});
  } else if (chunk_.size() >= limits_.data_chunk_size) {
    events_.push_back(DataChunk{std::exchange(chunk_, {})});
  }
  return true;
}

ocp::Expected<void, ServerError> ServerCore::reply(const ocp::smtp::Reply& reply) {
  if (awaiting_ == Awaiting::nothing) {
    return ocp::unexpected(ServerError{"no command, continuation line or message awaits a reply"});
  }
  if (reply.code < 200 || reply.code > 599 || reply.lines.empty()) {
    return ocp::unexpected(ServerError{"a reply needs a code from 200 to 599 and a line"});
  }
  const Awaiting answered = std::exchange(awaiting_, Awaiting::nothing);
  bool flush_now = false;
  if (answered == Awaiting::command) {
    switch (awaiting_verb_) {
      case Verb::helo:
      case Verb::ehlo:
        // RFC 5321 §4.1.4: EHLO/HELO also clears any transaction.
        if (reply.is_positive()) {
          greeted_ = true;
          reset_transaction();
        }
        break;
      case Verb::mail:
        if (reply.is_positive()) {
          transaction_open_ = true;
          transaction_smtputf8_ = awaiting_path_ && requests_smtputf8(*awaiting_path_);
          recipients_ = 0;
          recipient_tried_ = false;
        }
        break;
      case Verb::rcpt:
        recipient_tried_ = true;
        if (reply.is_positive()) ++recipients_;
        break;
      case Verb::data:
        if (reply.code == 354) {
          mode_ = Mode::data;
          data_ = DataReader(DataLimits{limits_.max_data_line, limits_.max_message_size,
                                        options_.bare_line_endings});
          chunk_.clear();
          flush_now = true;
        }
        break;
      case Verb::starttls:
        if (reply.code == 220) {
          // RFC 3207 §4.2 and CVE-2011-0411: what the client sent after
          // STARTTLS arrived in plaintext and must never be read as commands.
          mode_ = Mode::tls_handshake;
          discard_input();
          events_.push_back(TlsRequested{});
          flush_now = true;
        }
        break;
      case Verb::auth:
        // RFC 4954 §4: 334 starts the exchange, 235 ends it authenticated.
        auth_exchange_ = reply.code == 334;
        if (reply.code == 235) authenticated_ = true;
        break;
      default:
        break;
    }
  } else if (answered == Awaiting::continuation && auth_exchange_) {
    auth_exchange_ = reply.code == 334;
    if (reply.code == 235) authenticated_ = true;
  } else if (answered == Awaiting::data_end) {
    reset_transaction();  // RFC 5321 §4.1.1.4: the transaction ends either way
    flush_now = true;
  }
  awaiting_path_.reset();
  if (mode_ == Mode::command || mode_ == Mode::continuation) {
    // RFC 4954 §4: after 334 the next line answers the challenge.
    mode_ = reply.code == 334 ? Mode::continuation : Mode::command;
  }
  if (reply.code == 421) {
    // RFC 5321 §3.8: 421 announces that the server closes the channel.
    mode_ = Mode::closed;
    discard_input();
    flush_now = true;
  }
  send(reply, flush_now);
  if (answered == Awaiting::command && awaiting_verb_ == Verb::data && reply.code != 354)
    close_if_data_pipelined();
  return {};
}

ocp::Expected<void, ServerError> ServerCore::reply_and_release(const ocp::smtp::Reply& reply) {
  if (awaiting_ != Awaiting::command) {
    return ocp::unexpected(ServerError{"no command awaits a reply"});
  }
  if (!reply.is_positive()) {
    return ocp::unexpected(ServerError{"only a positive reply hands the connection over"});
  }
  if (awaiting_verb_ == Verb::data || awaiting_verb_ == Verb::starttls || !events_.empty()) {
    return ocp::unexpected(ServerError{"the connection cannot be handed over here"});
  }
  if (auto sent = this->reply(reply); !sent) return sent;
  // Nothing behind the command was read (one command at a time), so every
  // octet after its line is still in input_ for take_unread().
  mode_ = Mode::released;
  flush_now_ = true;
  return {};
}

std::string ServerCore::take_unread() {
  if (mode_ != Mode::released) return {};
  std::string unread(input());
  discard_input();
  return unread;
}

ocp::Expected<void, ServerError> ServerCore::tls_started() {
  if (mode_ != Mode::tls_handshake) {
    return ocp::unexpected(ServerError{"no STARTTLS was answered 220"});
  }
  // RFC 3207 §4.2: discard any knowledge obtained from the client; the
  // client's first command must be EHLO again.
  mode_ = Mode::command;
  greeted_ = false;
  authenticated_ = false;
  auth_exchange_ = false;
  tls_active_ = true;
  skipping_long_line_ = false;
  reset_transaction();
  discard_input();
  return {};
}

void ServerCore::consume_output(std::size_t octets) {
  output_.erase(0, std::min(octets, output_.size()));
  if (output_.empty()) flush_now_ = false;
}

bool ServerCore::should_flush() const noexcept {
  if (output_.empty()) return false;
  return flush_now_ || !holds_complete_line();
}

bool ServerCore::wants_input() const noexcept {
  if (mode_ == Mode::closed || mode_ == Mode::tls_handshake || mode_ == Mode::released || eof_)
    return false;
  // A partial line is always completed (max_command_line bounds it); a
  // pipeline waiting behind an unanswered command is bounded here.
  const bool reading = awaiting_ == Awaiting::nothing && !holds_complete_line();
  return reading || input().size() < limits_.max_buffered_input;
}

void ServerCore::answer(std::uint16_t code, std::string_view enhanced_status,
                        std::string_view text) {
  send(make_reply(code, enhanced_status, text, options_.enhanced_status_codes), false);
}

void ServerCore::send(const ocp::smtp::Reply& reply, bool flush_now) {
  output_ += reply.wire();
  flush_now_ = flush_now_ || flush_now;
  count_if_bad(reply.code);
}

void ServerCore::count_if_bad(std::uint16_t code) {
  // RFC 4954 §6: 535, a failed authentication, is a bad command too.
  const bool bad = (code >= 500 && code <= 504) || code == 535 || code == 555;
  if (!bad || limits_.max_bad_commands == 0 || mode_ == Mode::closed) return;
  if (++bad_commands_ < limits_.max_bad_commands) return;
  close_with_421("4.7.0", "Error: too many errors", CloseReason::too_many_errors);
}

void ServerCore::close_if_data_pipelined() {
  // RFC 2920 §3.1: DATA "can only appear as the last command in a group";
  // RFC 5321 §3.3: after a refused DATA the client "MUST NOT send the
  // message data". Input already behind the DATA line was sent without
  // waiting for the reply, so it is the message: a line of it read as a
  // command (a quoted "MAIL FROM:" and "RCPT TO:") could start a transaction
  // the client never meant. Nothing of it is read; the session closes.
  if (mode_ == Mode::closed || input().empty()) return;
  close_with_421("4.5.0", "Error: SMTP protocol synchronization", CloseReason::pipelining_violation);
}

void ServerCore::close_with_421(std::string_view enhanced_status, std::string_view text,
                                CloseReason reason) {
  output_ += make_reply(421, enhanced_status, options_.domain + " " + std::string(text),
                        options_.enhanced_status_codes)
                 .wire();
  flush_now_ = true;
  mode_ = Mode::closed;
  awaiting_ = Awaiting::nothing;
  discard_input();
  events_.push_back(CloseRequested{reason});
}

void ServerCore::reset_transaction() noexcept {
  transaction_open_ = false;
  transaction_smtputf8_ = false;
  recipient_tried_ = false;
  recipients_ = 0;
}

void ServerCore::discard_input() noexcept {
  input_.clear();
  input_start_ = 0;
}

std::string_view ServerCore::input() const noexcept {
  return std::string_view(input_).substr(input_start_);
}

bool ServerCore::holds_complete_line() const noexcept {
  if (mode_ != Mode::command && mode_ != Mode::continuation) return false;
  const std::string_view in = input();
  return in.find('\n') != std::string_view::npos || in.size() >= line_limit();
}

std::size_t ServerCore::line_limit() const noexcept {
  return mode_ == Mode::continuation ? limits_.max_sasl_line : limits_.max_command_line;
}

}  // namespace opes::smtp
