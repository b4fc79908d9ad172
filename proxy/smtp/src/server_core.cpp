#include "opes/smtp/server_core.hpp"

#include <algorithm>
#include <utility>

#include "opes/smtp/command_error.hpp"
#include "opes/smtp/mail_parameters.hpp"

namespace opes::smtp {

namespace {

bool is_positive(std::uint16_t code) noexcept {
  return code >= 200 && code < 300;
}

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

}  // namespace

ServerCore::ServerCore(ServerLimits limits, ServerOptions options)
    : limits_(limits), options_(std::move(options)) {
  limits_.data_chunk_size = std::max<std::size_t>(limits_.data_chunk_size, 1);
  limits_.max_command_line = std::max<std::size_t>(limits_.max_command_line, 3);
}

void ServerCore::greet(const ocp::smtp::Reply& reply) {
  send(reply, true);
}

void ServerCore::receive(std::string_view bytes) {
  if (mode_ == Mode::closed || mode_ == Mode::tls_handshake || eof_) return;
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
  const std::size_t lf = in.substr(0, limits_.max_command_line).find('\n');
  if (lf == std::string_view::npos) {
    if (in.size() >= limits_.max_command_line) {
      // RFC 5321 §4.5.3.1.10: "500 Line too long"; the line is skipped up to
      // its LF, however far that is, so the session stays in step.
      const std::size_t end = in.find('\n');
      if (end == std::string_view::npos) {
        discard_input();
        skipping_long_line_ = true;
      } else {
        input_start_ += end + 1;
      }
      mode_ = Mode::command;
      answer(500, "5.5.0", "Line too long");
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
    mode_ = Mode::command;
    answer(500, "5.5.2", "Syntax error: bare LF received");
    return true;
  }
  line.pop_back();
  if (has_control_octet(line)) {
    mode_ = Mode::command;
    answer(500, "5.5.2", "Syntax error: control character in command line");
    return true;
  }
  if (mode_ == Mode::continuation) {
    awaiting_ = Awaiting::continuation;
    events_.push_back(ContinuationLine{std::move(line)});
    return true;
  }
  handle_command(line);
  return true;
}

void ServerCore::handle_command(std::string_view line) {
  Command command = parse_command(line);
  const bool no_argument = blank(command.argument);
  if (command.verb_text.empty()) {
    answer(500, "5.5.2", "Syntax error: command expected");
    return;
  }
  switch (command.verb) {
    case Verb::helo:
    case Verb::ehlo:
      if (no_argument) {
        answer(501, "5.5.4",
               command.verb == Verb::ehlo ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
      } else {
        ask(std::move(command));
      }
      return;
    case Verb::mail: {
      if (!greeted_) return answer(503, "5.5.1", "Error: send HELO/EHLO first");
      if (transaction_open_) return answer(503, "5.5.1", "Error: nested MAIL command");
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
      if (!transaction_open_) return answer(503, "5.5.1", "Error: need MAIL command");
      if (recipients_ >= limits_.max_recipients) {
        // RFC 5321 §4.5.3.1.10: "452 Too many recipients"
        return answer(452, "4.5.3", "Error: too many recipients");
      }
      auto path = parse_rcpt_to(command.argument, PathOptions{transaction_smtputf8_});
      if (!path) return send(path.error().reply(options_.enhanced_status_codes), false);
      return ask(std::move(command), std::move(*path));
    }
    case Verb::data:
      if (!no_argument) {
        answer(501, "5.5.4", "Syntax: DATA");
      } else if (!transaction_open_) {
        answer(503, "5.5.1", "Error: need MAIL command");
      } else if (recipients_ == 0) {
        // RFC 2920 §3.1: after pipelined RCPTs that all failed, DATA gets 554.
        if (recipient_tried_) {
          answer(554, "5.5.1", "Error: no valid recipients");
        } else {
          answer(503, "5.5.1", "Error: need RCPT command");
        }
      } else {
        return ask(std::move(command));
      }
      return close_if_data_pipelined();
    case Verb::bdat:
      return answer(502, "5.5.1", "Error: command not implemented");
    case Verb::rset:
      if (!no_argument) return answer(501, "5.5.4", "Syntax: RSET");
      reset_transaction();
      answer(250, "2.0.0", "Ok");
      events_.push_back(TransactionReset{});
      return;
    case Verb::noop:
      return answer(250, "2.0.0", "Ok");  // RFC 5321 §4.1.1.9: its argument is ignored
    case Verb::help:
      return answer(214, "2.0.0", "See RFC 5321");
    case Verb::quit:
      if (!no_argument) return answer(501, "5.5.4", "Syntax: QUIT");
      send(make_reply(221, "2.0.0", "Bye", options_.enhanced_status_codes), true);
      mode_ = Mode::closed;
      discard_input();
      events_.push_back(CloseRequested{CloseReason::quit});
      return;
    case Verb::starttls:
      if (!no_argument) return answer(501, "5.5.4", "Syntax: STARTTLS");
      if (tls_active_) return answer(503, "5.5.1", "Error: TLS already active");
      if (transaction_open_) return answer(503, "5.5.1", "Error: MAIL transaction in progress");
      return ask(std::move(command));
    case Verb::vrfy:
    case Verb::expn:
      if (no_argument) {
        return answer(501, "5.5.4",
                      command.verb == Verb::vrfy ? "Syntax: VRFY address" : "Syntax: EXPN name");
      }
      return ask(std::move(command));
    case Verb::auth:
    case Verb::atrn:
    case Verb::host:
    case Verb::unknown:
      return ask(std::move(command));
  }
}

void ServerCore::ask(Command command, std::optional<PathArgument> path) {
  awaiting_ = Awaiting::command;
  awaiting_verb_ = command.verb;
  awaiting_path_ = path;
  events_.push_back(CommandReceived{std::move(command), std::move(path)});
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
        if (is_positive(reply.code)) {
          greeted_ = true;
          reset_transaction();
        }
        break;
      case Verb::mail:
        if (is_positive(reply.code)) {
          transaction_open_ = true;
          transaction_smtputf8_ = awaiting_path_ && requests_smtputf8(*awaiting_path_);
          recipients_ = 0;
          recipient_tried_ = false;
        }
        break;
      case Verb::rcpt:
        recipient_tried_ = true;
        if (is_positive(reply.code)) ++recipients_;
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
      default:
        break;
    }
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

ocp::Expected<void, ServerError> ServerCore::tls_started() {
  if (mode_ != Mode::tls_handshake) {
    return ocp::unexpected(ServerError{"no STARTTLS was answered 220"});
  }
  // RFC 3207 §4.2: discard any knowledge obtained from the client; the
  // client's first command must be EHLO again.
  mode_ = Mode::command;
  greeted_ = false;
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
  if (mode_ == Mode::closed || mode_ == Mode::tls_handshake || eof_) return false;
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
  const bool bad = (code >= 500 && code <= 504) || code == 555;
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
  return in.find('\n') != std::string_view::npos || in.size() >= limits_.max_command_line;
}

}  // namespace opes::smtp
