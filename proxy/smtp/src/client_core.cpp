#include "opes/smtp/client_core.hpp"

#include <algorithm>
#include <utility>

#include "ascii.hpp"
#include "opes/smtp/mail_parameters.hpp"

namespace opes::smtp {

namespace {

/// RFC 2920 §3.1: "RSET, MAIL FROM, SEND FROM, SOML FROM, SAML FROM, and
/// RCPT TO can all appear anywhere in a pipelined command group", and "the
/// actual transfer of message content is explicitly allowed to be the
/// first command in a group" (so its final dot may be followed). XFORWARD
/// only sets what the server logs and changes no state (XFORWARD_README).
bool may_stand_inside_group(ClientStep step) noexcept {
  switch (step) {
    case ClientStep::rset:
    case ClientStep::mail:
    case ClientStep::rcpt:
    case ClientStep::xforward:
    case ClientStep::message:
      return true;
    default:
      return false;
  }
}

/// RFC 5321 §4.1.1.1: the EHLO argument is a domain or an address literal:
/// one word of printable ASCII, at most 255 octets.
bool usable_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 255 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 127; });
}

/// One command line: CRLF at its end and nowhere else.
bool one_line(std::string_view line) noexcept {
  return line.size() > 2 && line.ends_with("\r\n") &&
         line.find_first_of("\r\n") == line.size() - 2;
}

}  // namespace

std::string_view describe(ClientStep step) noexcept {
  switch (step) {
    case ClientStep::greeting: return "greeting";
    case ClientStep::ehlo: return "EHLO";
    case ClientStep::helo: return "HELO";
    case ClientStep::starttls: return "STARTTLS";
    case ClientStep::xclient: return "XCLIENT";
    case ClientStep::xforward: return "XFORWARD";
    case ClientStep::mail: return "MAIL";
    case ClientStep::rcpt: return "RCPT";
    case ClientStep::data: return "DATA";
    case ClientStep::message: return "end of data";
    case ClientStep::rset: return "RSET";
    case ClientStep::noop: return "NOOP";
    case ClientStep::quit: return "QUIT";
  }
  return "command";
}

bool server_takes(const ServerCapabilities& capabilities, const MailParameter& parameter) {
  auto is = [&](std::string_view keyword) { return detail::iequals(parameter.keyword, keyword); };
  if (is("SIZE")) return capabilities.size;
  if (is("BODY")) return capabilities.eight_bit_mime;
  if (is("SMTPUTF8")) return capabilities.smtputf8;
  if (is("OPESTRACE") || is("OPESBYPASS")) return capabilities.opes;
  // RFC 3461 §4: the DSN parameters go to a server that offers DSN; to one
  // that does not they are dropped (§5.2.2 would have us send "relayed"
  // notifications, which the proxy does not: docs/ocp-conformance.md).
  if (is("RET") || is("ENVID") || is("NOTIFY") || is("ORCPT")) return capabilities.has("DSN");
  return capabilities.has(parameter.keyword);
}

ClientCore::ClientCore(ClientOptions options)
    : options_(std::move(options)), reader_(options_.limits.replies) {
  options_.limits.max_pipelined = std::max<std::size_t>(options_.limits.max_pipelined, 1);
  if (options_.greeting_read) {
    greeting_seen_ = true;
  } else {
    awaiting_.push_back(ClientStep::greeting);
  }
}

void ClientCore::receive(std::string_view bytes) {
  if (mode_ == Mode::closed || eof_) return;
  reader_.receive(bytes);
}

void ClientCore::receive_eof() {
  eof_ = true;
}

std::optional<ClientEvent> ClientCore::next_event() {
  for (;;) {
    if (!events_.empty()) {
      ClientEvent event = std::move(events_.front());
      events_.pop_front();
      return event;
    }
    if (mode_ == Mode::closed) return std::nullopt;
    if (mode_ == Mode::tls_handshake) {
      if (reader_.buffered() == 0) return std::nullopt;
      events_.push_back(ClientFailed{ClientFailure::plaintext_injection,
                                     "the server sent bytes before the TLS handshake"});
      close();
      continue;
    }
    // A reply that arrives unasked waits for the command it will seem to
    // answer (a 421 on an idle connection answers the next MAIL), within
    // a bound.
    if (awaiting_.empty()) return unread_within_bound();
    auto next = reader_.next();
    if (!next) {
      events_.push_back(ClientFailed{ClientFailure::malformed_reply, next.error().reason});
      close();
      continue;
    }
    if (!*next) {
      // An incomplete reply is bounded by the reader's limits.
      if (!eof_) return std::nullopt;
      events_.push_back(ClientFailed{
          ClientFailure::server_closed,
          "the server closed the connection awaiting the reply to " +
              std::string(describe(awaiting_.front()))});
      close();
      continue;
    }
    const ClientStep step = awaiting_.front();
    awaiting_.pop_front();
    take(step, std::move(**next));
  }
}

std::optional<ClientEvent> ClientCore::unread_within_bound() {
  if (reader_.buffered() <= options_.limits.max_unread) return std::nullopt;
  close();
  return ClientFailed{ClientFailure::unsolicited,
                      "the server sent more than " + std::to_string(options_.limits.max_unread) +
                          " octets beyond the replies awaited"};
}

void ClientCore::take(ClientStep step, ocp::smtp::Reply reply) {
  const std::uint16_t code = reply.code;
  switch (step) {
    case ClientStep::greeting:
      greeting_seen_ = true;
      // RFC 5321 §3.1: 554 instead of 220 means no service; the server
      // waits for QUIT and answers anything else 503.
      greeting_refused_ = code != 220;
      break;
    case ClientStep::ehlo:
      if (code == 250) {
        capabilities_ = parse_ehlo(reply);
        greeted_ = true;
      } else if (code >= 500) {
        // RFC 5321 §3.2: fall back to HELO; the HELO's reply is the event.
        capabilities_ = ServerCapabilities{};
        output_ += "HELO " + ehlo_name_ + "\r\n";
        awaiting_.push_front(ClientStep::helo);
        return;
      }
      break;
    case ClientStep::helo:
      if (code == 250) {
        capabilities_ = ServerCapabilities{};
        greeted_ = true;
      }
      break;
    case ClientStep::starttls:
      if (code == 220) {
        if (reader_.buffered() != 0) {
          // RFC 3207 §4.2 and CVE-2011-0411: bytes behind the 220 were
          // sent in plain text; read after the handshake they would pass
          // for the TLS server's replies.
          events_.push_back(ClientReply{step, std::move(reply)});
          events_.push_back(ClientFailed{ClientFailure::plaintext_injection,
                                         "the server sent bytes behind its 220 to STARTTLS"});
          close();
          return;
        }
        mode_ = Mode::tls_handshake;
      }
      break;
    case ClientStep::xclient:
      // XCLIENT_README: the server answers with a new greeting and the
      // client says EHLO again; what it offers may differ.
      if (code == 220) forget_session();
      break;
    case ClientStep::mail:
      if (!reply.is_positive()) mail_sent_ = rcpt_sent_ = false;
      break;
    case ClientStep::data:
      if (code == 354) {
        mode_ = Mode::content;
        stuffer_ = DotStuffer{};
      }
      break;
    case ClientStep::message:
      // RFC 5321 §4.1.1.4: the transaction ends whatever the reply.
      mail_sent_ = rcpt_sent_ = false;
      break;
    case ClientStep::xforward:
    case ClientStep::rcpt:
    case ClientStep::rset:
    case ClientStep::noop:
      break;
    case ClientStep::quit:
      events_.push_back(ClientReply{step, std::move(reply)});
      close();
      return;
  }
  events_.push_back(ClientReply{step, std::move(reply)});
  // RFC 5321 §3.8: 421 announces that the server closes the channel; the
  // commands behind it stay unanswered.
  if (code == 421) close();
}

bool ClientCore::may_send(ClientStep step) const noexcept {
  if (mode_ == Mode::closed || mode_ == Mode::tls_handshake) return false;
  if (mode_ == Mode::content) return false;  // content() and end_content() only
  if (awaiting_.size() >= options_.limits.max_pipelined) return false;
  if (!awaiting_.empty()) {
    // RFC 2920 §3.1: only a server that offered PIPELINING gets a group,
    // and only behind commands that may stand inside one.
    if (!capabilities_.pipelining) return false;
    if (!std::all_of(awaiting_.begin(), awaiting_.end(), may_stand_inside_group)) return false;
  }
  if (!greeting_seen_) return false;
  if (greeting_refused_) return step == ClientStep::quit;
  switch (step) {
    case ClientStep::ehlo:
    case ClientStep::helo:
    case ClientStep::rset:
    case ClientStep::noop:
    case ClientStep::quit:
      return true;
    case ClientStep::starttls:
      return greeted_ && !tls_active_ && !mail_sent_;  // RFC 3207 §4: not inside a transaction
    case ClientStep::xclient:
    case ClientStep::xforward:
    case ClientStep::mail:
      return greeted_ && !mail_sent_;
    case ClientStep::rcpt:
      return mail_sent_;
    case ClientStep::data:
      return mail_sent_ && rcpt_sent_;
    case ClientStep::greeting:
    case ClientStep::message:
      return false;
  }
  return false;
}

ocp::Expected<void, ClientError> ClientCore::refuse(std::string reason) const {
  return ocp::unexpected(ClientError{std::move(reason), std::nullopt});
}

ocp::Expected<void, ClientError> ClientCore::send(ClientStep step, std::string line) {
  if (mode_ == Mode::closed) {
    return refuse(std::string(describe(step)) + " after the session ended (421, QUIT or a failure)");
  }
  if (!may_send(step)) return refuse(std::string(describe(step)) + " may not be sent now");
  switch (step) {
    case ClientStep::mail:
      mail_sent_ = true;
      rcpt_sent_ = false;
      break;
    case ClientStep::rcpt:
      rcpt_sent_ = true;
      break;
    case ClientStep::rset:
    case ClientStep::ehlo:
    case ClientStep::helo:
      // RFC 5321 §4.1.1.5 and §4.1.4: both end any transaction.
      mail_sent_ = rcpt_sent_ = false;
      break;
    default:
      break;
  }
  output_ += line;
  awaiting_.push_back(step);
  return {};
}

ocp::Expected<void, ClientError> ClientCore::ehlo(std::string_view name) {
  const std::string_view chosen = name.empty() ? std::string_view(options_.helo_name) : name;
  if (!usable_name(chosen)) return refuse("the EHLO name is not one printable word");
  auto sent = send(ClientStep::ehlo, format_ehlo(chosen));
  if (sent) ehlo_name_ = std::string(chosen);
  return sent;
}

ocp::Expected<void, ClientError> ClientCore::starttls() {
  return send(ClientStep::starttls, "STARTTLS\r\n");
}

ocp::Expected<void, ClientError> ClientCore::tls_started() {
  if (mode_ != Mode::tls_handshake) return refuse("no STARTTLS was answered 220");
  // RFC 3207 §4.2: "the client MUST discard any knowledge obtained from
  // the server"; the first command after the handshake is EHLO again.
  mode_ = Mode::ready;
  tls_active_ = true;
  forget_session();
  reader_ = ReplyReader(options_.limits.replies);
  return {};
}

ocp::Expected<void, ClientError> ClientCore::forward(ForwardCommand command, std::string_view line) {
  const std::string_view verb = command == ForwardCommand::xclient ? "XCLIENT " : "XFORWARD ";
  if (!one_line(line) || !detail::istarts_with(line, verb) || line.size() > kMaxForwardLine) {
    return refuse("not one " + std::string(verb) + "command line");
  }
  return send(command == ForwardCommand::xclient ? ClientStep::xclient : ClientStep::xforward,
              std::string(line));
}

ocp::Expected<void, ClientError> ClientCore::mail(const PathArgument& reverse_path) {
  PathArgument forwarded{reverse_path.path, {}};
  for (const MailParameter& parameter : reverse_path.parameters) {
    if (server_takes(capabilities_, parameter)) {
      forwarded.parameters.push_back(parameter);
    } else if (requests_smtputf8(PathArgument{"", {parameter}})) {
      // RFC 6531 §3.2: the message needs SMTPUTF8 all the way.
      return ocp::unexpected(
          ClientError{"the server does not offer SMTPUTF8",
                      ocp::smtp::Reply::line(553, "5.6.7 The next hop does not support SMTPUTF8")});
    }
  }
  return send(ClientStep::mail, format_mail(forwarded));
}

ocp::Expected<void, ClientError> ClientCore::rcpt(const PathArgument& forward_path) {
  PathArgument forwarded{forward_path.path, {}};
  for (const MailParameter& parameter : forward_path.parameters) {
    if (server_takes(capabilities_, parameter)) forwarded.parameters.push_back(parameter);
  }
  return send(ClientStep::rcpt, format_rcpt(forwarded));
}

ocp::Expected<void, ClientError> ClientCore::data() {
  return send(ClientStep::data, "DATA\r\n");
}

ocp::Expected<void, ClientError> ClientCore::content(std::string_view bytes) {
  // RFC 5321 §3.3: no message data before the 354.
  if (mode_ != Mode::content) return refuse("message content before a 354 to DATA");
  stuffer_.encode(bytes, output_);
  return {};
}

ocp::Expected<void, ClientError> ClientCore::end_content() {
  if (mode_ != Mode::content) return refuse("the end of data before a 354 to DATA");
  stuffer_.finish(output_);
  mode_ = Mode::ready;
  awaiting_.push_back(ClientStep::message);
  return {};
}

ocp::Expected<void, ClientError> ClientCore::rset() {
  return send(ClientStep::rset, "RSET\r\n");
}

ocp::Expected<void, ClientError> ClientCore::noop() {
  return send(ClientStep::noop, "NOOP\r\n");
}

ocp::Expected<void, ClientError> ClientCore::quit() {
  return send(ClientStep::quit, "QUIT\r\n");
}

void ClientCore::consume_output(std::size_t octets) {
  output_.erase(0, std::min(octets, output_.size()));
}

void ClientCore::forget_session() noexcept {
  greeted_ = false;
  mail_sent_ = rcpt_sent_ = false;
  capabilities_ = ServerCapabilities{};
}

void ClientCore::close() noexcept {
  mode_ = Mode::closed;
  awaiting_.clear();
}

}  // namespace opes::smtp
