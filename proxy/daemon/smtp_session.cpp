#include "smtp_session.hpp"

#include <array>

#include "opes/proxy/routing_delivery.hpp"
#include "opes/smtp/offered_parameters.hpp"
#include "opes/smtp/server_replies.hpp"
#include "opes/support/log.hpp"
#include "opes/transaction/session_fields.hpp"
#include "odmr_runtime.hpp"
#include "session_admission.hpp"
#include "smtp_session_impl.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

smtp::ServerLimits server_limits(const ProxyConfig& config) {
  smtp::ServerLimits limits;
  limits.max_data_line = config.limits.max_line_length;
  limits.max_message_size = config.limits.max_message_size;
  limits.max_recipients = config.limits.max_recipients;
  return limits;
}

smtp::ServerOptions server_options(const ProxyConfig& config, const Listener& listener) {
  smtp::ServerOptions options{config.hostname, true};
  // RFC 4954 §6: 530 5.7.0 to MAIL, RCPT, DATA, VRFY, EXPN and HELP until
  // the client authenticated, from the core's command table.
  options.require_auth = listener.auth && listener.auth->required;
  if (listener.host != HostMode::off) {
    // HOST before the first mail transaction (the session decides, see
    // session_host.cpp), not only as the first line: a client waiting for
    // the greeting, or one that must AUTH first, says it later.
    smtp::CommandTable commands = smtp::smtp_commands({true, options.require_auth});
    commands[smtp::Verb::host].first_only = false;
    options.commands = commands;
  }
  if (listener.protocol == ListenerProtocol::odmr) options.commands = odmr_commands();
  options.bare_line_endings =
      config.smtp.bare_line_endings == SmtpStrictness::BareLineEndings::normalize
          ? smtp::BareLineEndings::normalize
          : smtp::BareLineEndings::reject;
  return options;
}

/// RFC 5321 §3.1: 421 instead of the greeting, then the connection closes.
/// An implicit-TLS listener's client expects a handshake, not plain text
/// (RFC 8314 §3.3): it is closed without a word rather than after a
/// handshake it might keep waiting on.
boost::asio::awaitable<void> refuse_before_greeting(MailStream& stream, const Listener& listener,
                                                    std::string text) {
  if (listener.tls == ListenerTls::implicit) {
    stream.close();
    co_return;
  }
  const std::string refusal = Reply::line(421, std::move(text)).wire();
  try {
    co_await stream.write(refusal, std::chrono::seconds(5));
  } catch (const boost::system::system_error&) {
  }
  stream.close();
}

const ServiceGroup& group_of(const ProxyConfig& config, const Listener& listener) {
  // The configuration checks that the group exists and that there is one.
  return *config.find_group(listener.service_group);
}

}  // namespace

Origin connection_origin(const MailStream& stream) {
  Origin origin;
  origin.address = stream.peer_address();
  origin.port = stream.peer_port();
  origin.peer = stream.peer();
  origin.tls = stream.tls();
  if (origin.tls) origin.tls_cipher = stream.tls_description();
  return origin;
}

SmtpSession::SmtpSession(GatewayContext& context, MailStream stream, const Listener& listener)
    : context_(context),
      config_(context.config),
      stream_(std::move(stream)),
      listener_(listener),
      group_(&group_of(context.config, listener)),
      core_(server_limits(context.config), server_options(context.config, listener)),
      transaction_context_{context.config, context.callout_source, context.trace,
                           context.client_limits},
      transaction_ids_{new_session_id()},
      auth_(listener.auth ? &*listener.auth : nullptr, sasl::system_challenge_source(context.config.hostname)),
      session_deadline_(std::chrono::steady_clock::now() + context.config.timeouts.session),
      drain_registration_(context.drain, [this] {
        if (reading_ && must_leave()) stream_.cancel();
      }) {}

bool SmtpSession::must_leave() const {
  switch (context_.drain.phase()) {
    case SessionDrain::Phase::serving: return false;
    case SessionDrain::Phase::draining: return !transaction_;
    case SessionDrain::Phase::cutting: return true;
  }
  return true;
}

boost::asio::awaitable<void> SmtpSession::say_shutting_down() {
  log(LogLevel::info, "smtp.shutdown",
      {{"peer", stream_.peer()},
       {"session", transaction_ids_.session},
       {"cause", transaction_ ? "the grace period ended during a transaction"
                              : "between transactions"}});
  // RFC 5321 §3.8: a server that must shut down may close with 421 (with
  // its domain, §4.2); RFC 3463 X.3.2: not accepting messages.
  const std::string goodbye =
      Reply::line(421, "4.3.2 " + config_.hostname + " Service shutting down").wire();
  try {
    co_await flush(true);
    co_await stream_.write(goodbye, std::chrono::seconds(5));
  } catch (const boost::system::system_error&) {
  }
}

Delivery& SmtpSession::delivery() {
  if (!delivery_) {
    // Each recipient to the destination its route names; idle upstream
    // connections are kept per destination (RoutingDelivery::quit()).
    queue::HoldStore* hold = context_.odmr ? context_.odmr->store.get() : nullptr;
    auto open = [this, hold](std::size_t index) {
      return make_destination_delivery(config_.routing.destinations[index],
                                       context_.destination_tls[index], config_.hostname, hold);
    };
    delivery_ = make_routing_delivery(config_.routing, open, &context_.upstream_connections);
  }
  return *delivery_;
}

Origin SmtpSession::origin() const {
  Origin origin = connection_origin(stream_);
  origin.helo = helo_;
  origin.esmtp = esmtp_;
  origin.authenticated = auth_.user();
  origin.identity_in_received = listener_.auth && listener_.auth->identity_in_received;
  return origin;
}

boost::asio::awaitable<Reply> SmtpSession::on_mail(const smtp::PathArgument& path) {
  auto transaction = std::make_unique<MailTransaction>(transaction_context_, origin(), *group_,
                                                       delivery(), transaction_ids_);
  Reply answer = co_await transaction->mail(path);
  if (transaction->open()) transaction_ = std::move(transaction);
  co_return answer;
}

boost::asio::awaitable<void> SmtpSession::end_transaction(bool client_gone) {
  if (!transaction_) co_return;
  // Taken out first: what runs while the delivery resets sees no
  // transaction (a shutdown may end the session then).
  std::unique_ptr<MailTransaction> transaction = std::move(transaction_);
  co_await transaction->end(client_gone);
}

void SmtpSession::reply(const Reply& reply) {
  if (auto answered = core_.reply(reply); !answered) {
    // A reply the core did not expect is our bug; the session cannot go on.
    log(LogLevel::error, "smtp.internal_error",
        {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"cause", answered.error().reason}});
    closing_ = true;
  }
}

void SmtpSession::log_error(std::string_view event, std::string_view cause) {
  if (transaction_) {
    // Inside a mail transaction its id names the message in every daemon's lines.
    log(LogLevel::warning, event,
        {{"peer", stream_.peer()},
         {"session", transaction_ids_.session},
         {"transaction", transaction_->id()},
         {"cause", std::string(cause)}});
    return;
  }
  log(LogLevel::warning, event,
      {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"cause", std::string(cause)}});
}

Duration SmtpSession::read_timeout() const {
  const auto left = session_deadline_ - std::chrono::steady_clock::now();
  const Duration wait = in_data_ ? Duration(config_.timeouts.data) : Duration(config_.timeouts.command);
  return std::max(Duration(std::chrono::milliseconds(1)), std::min(wait, Duration(left)));
}

boost::asio::awaitable<void> SmtpSession::flush(bool all) {
  if (core_.pending_output().empty()) co_return;
  if (!all && !core_.should_flush()) co_return;
  // Written from the core's buffer: nothing else touches the core while
  // this coroutine waits for the write.
  const std::size_t size = core_.pending_output().size();
  co_await stream_.write(core_.pending_output(), config_.timeouts.command);
  core_.consume_output(size);
}

Reply SmtpSession::ehlo_answer(const std::string& argument) const {
  std::vector<std::string> keywords{"PIPELINING"};
  keywords.push_back(config_.limits.max_message_size
                         ? "SIZE " + std::to_string(config_.limits.max_message_size)
                         : "SIZE");
  keywords.push_back("8BITMIME");
  keywords.push_back("ENHANCEDSTATUSCODES");
  // RFC 3461: its parameters go to an upstream that offers DSN, and into the spool.
  keywords.push_back("DSN");
  if (starttls_offered()) keywords.push_back("STARTTLS");
  // RFC 4954 §3: the mechanisms; PLAIN and LOGIN only under TLS.
  if (auto auth = auth_.ehlo_keyword(stream_.tls())) keywords.push_back(std::move(*auth));
  keywords.push_back("SMTPUTF8");
  // draft-ietf-opes-smtp §4: opestrace and opesbypass are taken.
  keywords.push_back("OPES");
  return smtp::ehlo_reply(config_.hostname, "greets " + argument.substr(0, 255), keywords);
}

smtp::OfferedExtensions SmtpSession::offered_extensions() const {
  // What ehlo_answer() lists; nothing after HELO.
  return esmtp_ ? smtp::OfferedExtensions::all() : smtp::OfferedExtensions{};
}

boost::asio::awaitable<void> SmtpSession::start_tls() {
  co_await flush(true);
  try {
    co_await stream_.accept_tls(*context_.server_tls, config_.timeouts.command);
  } catch (const boost::system::system_error& error) {
    log_error("smtp.tls_failed", error.code().message());
    closing_ = true;
    co_return;
  }
  (void)core_.tls_started();
  // RFC 3207 §4.2: the client starts over with EHLO.
  helo_.clear();
  esmtp_ = false;
  auth_.forget();
  log(LogLevel::debug, "smtp.tls",
      {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"cipher", stream_.tls_description()}});
}

boost::asio::awaitable<void> SmtpSession::on_command(const smtp::CommandReceived& received) {
  const smtp::Command& command = received.command;
  if (must_leave()) {
    // Shutting down: no new transaction (and none goes on past the grace
    // period). QUIT, RSET and NOOP the core answers itself.
    reply(Reply::line(421, "4.3.2 " + config_.hostname + " Service shutting down"));
    closing_ = true;
    co_return;
  }
  switch (command.verb) {
    case smtp::Verb::ehlo:
    case smtp::Verb::helo:
      co_await end_transaction(false);
      helo_ = command.argument.substr(0, 255);
      esmtp_ = command.verb == smtp::Verb::ehlo;
      if (listener_.protocol == ListenerProtocol::odmr) {
        reply(odmr_ehlo_answer(command.argument));
      } else {
        reply(esmtp_ ? ehlo_answer(command.argument) : Reply::line(250, config_.hostname));
      }
      break;
    case smtp::Verb::starttls:
      if (!starttls_offered()) {
        reply(Reply::line(502, "5.5.1 STARTTLS not available"));
      } else {
        reply(Reply::line(220, "2.0.0 Ready to start TLS"));
      }
      break;
    case smtp::Verb::mail:
    case smtp::Verb::rcpt: {
      const bool mail = command.verb == smtp::Verb::mail;
      if (listener_.host == HostMode::required && !host_named_) {
        reply(host_required_first());
        break;
      }
      if (mail) host_window_closed_ = true;
      // RFC 5321 §4.1.1.11: only the parameters of what EHLO advertised.
      if (auto offered = smtp::check_offered_parameters(
              *received.path, mail ? smtp::PathRole::reverse_path : smtp::PathRole::forward_path,
              offered_extensions());
          !offered) {
        reply(offered.error().reply());
        break;
      }
      // Not one conditional co_await expression: GCC 12 mishandles those.
      if (mail) {
        reply(co_await on_mail(*received.path));
      } else {
        reply(co_await transaction_->rcpt(*received.path));
      }
      break;
    }
    case smtp::Verb::data: {
      Reply answer = co_await transaction_->data();
      in_data_ = answer.code == 354;
      reply(answer);
      break;
    }
    case smtp::Verb::vrfy:
    case smtp::Verb::expn: {
      // smtp §3.1: VRFY and EXPN are parts of their own; only a transaction
      // has an OCP transaction to carry them.
      const bool vrfy = command.verb == smtp::Verb::vrfy;
      std::optional<Reply> answer;
      if (transaction_) {
        const ocp::smtp::AmPart part = vrfy ? ocp::smtp::AmPart::vrfy : ocp::smtp::AmPart::expn;
        std::string argument = command.argument;
        answer = co_await transaction_->verify(part, std::move(argument));
      }
      reply(answer ? *answer
                   : vrfy ? Reply::line(252, "2.5.0 Cannot VRFY user, but will accept message")
                          : Reply::line(502, "5.5.1 EXPN not available"));
      break;
    }
    case smtp::Verb::auth: {
      const SmtpAuth::SessionFacts facts{stream_.tls(), esmtp_, core_.in_transaction()};
      SmtpAuth::Step step = auth_.command(command.argument, facts);
      co_await answer_auth(std::move(step));
      break;
    }
    case smtp::Verb::host:
      co_await on_host(command);
      break;
    case smtp::Verb::atrn:
      if (listener_.protocol == ListenerProtocol::odmr && context_.odmr) {
        co_await on_atrn(command);
      } else {
        reply(Reply::line(502, "5.5.1 " + command.verb_text + " not available here"));
      }
      break;
    default:
      reply(Reply::line(500, "5.5.1 Command unrecognized"));
      break;
  }
}

boost::asio::awaitable<void> SmtpSession::handle(smtp::ServerEvent event) {
  if (auto* command = std::get_if<smtp::CommandReceived>(&event)) {
    co_await on_command(*command);
  } else if (auto* chunk = std::get_if<smtp::DataChunk>(&event)) {
    if (transaction_) co_await transaction_->content(chunk->bytes);
  } else if (auto* end = std::get_if<smtp::DataEnd>(&event)) {
    in_data_ = false;
    Reply answer = co_await transaction_->data_end(*end);
    transaction_.reset();
    reply(answer);
  } else if (std::holds_alternative<smtp::TransactionReset>(event)) {
    co_await end_transaction(false);
  } else if (std::holds_alternative<smtp::TlsRequested>(event)) {
    co_await start_tls();
  } else if (auto* line = std::get_if<smtp::ContinuationLine>(&event)) {
    SmtpAuth::Step step = auth_.continuation(line->line);
    co_await answer_auth(std::move(step));
  } else if (std::holds_alternative<smtp::AuthCancelled>(event)) {
    // The core answered "*" (501 5.0.0) or a refused line itself: the
    // exchange is over, nobody is authenticated by it.
    auth_.forget();
  } else if (auto* close = std::get_if<smtp::CloseRequested>(&event)) {
    if (close->reason == smtp::CloseReason::pipelining_violation) {
      log(LogLevel::info, "smtp.pipelining_violation",
          {{"peer", stream_.peer()},
           {"session", transaction_ids_.session},
           {"cause", "input behind a refused DATA (RFC 2920 3.1), closing"}});
    }
    co_await end_transaction(close->reason != smtp::CloseReason::quit);
    closing_ = true;
  } else if (std::holds_alternative<smtp::ClientClosed>(event)) {
    co_await end_transaction(true);
    closing_ = true;
  }
}

boost::asio::awaitable<void> SmtpSession::run() {
  if (context_.drain.draining()) {
    // Accepted just before the listeners closed: 421 instead of the greeting
    // (RFC 5321 §3.1).
    co_await say_shutting_down();
    stream_.close();
    co_return;
  }
  if (listener_.tls == ListenerTls::implicit) {
    const bool secured = co_await accept_implicit_tls();
    if (!secured) {
      stream_.close();
      co_return;
    }
  }
  std::array<char, 16 * 1024> buffer;
  boost::system::error_code failure;
  try {
    co_await greet_or_take_host();
    for (;;) {
      while (!closing_) {
        auto event = core_.next_event();
        if (!event) break;
        co_await handle(std::move(*event));
      }
      co_await flush(closing_ || core_.closed());
      if (closing_ || core_.closed()) break;
      if (!core_.wants_input()) {
        // Every event was handled; the core only stops reading while a
        // reply is due, so this is our bug, not the client's.
        log_error("smtp.internal_error", "the core neither reads nor has events");
        break;
      }
      if (must_leave()) {
        co_await say_shutting_down();
        break;
      }
      std::size_t n = 0;
      reading_ = true;
      try {
        n = co_await stream_.read_some(boost::asio::buffer(buffer), read_timeout());
      } catch (const boost::system::system_error& error) {
        reading_ = false;
        // Woken by the shutdown (SessionDrain): the check above says goodbye.
        if (error.code() == boost::asio::error::operation_aborted && must_leave()) continue;
        throw;
      }
      reading_ = false;
      if (n == 0) {
        core_.receive_eof();
      } else {
        core_.receive(std::string_view(buffer.data(), n));
      }
    }
  } catch (const boost::system::system_error& error) {
    failure = error.code();
  }
  if (failure == boost::asio::error::timed_out) {
    const bool session_over = std::chrono::steady_clock::now() >= session_deadline_;
    log_error("smtp.timeout", session_over ? "the session time limit was reached"
                              : in_data_   ? "no message data within the timeout"
                                           : "no command within the timeout");
    // RFC 5321 §4.5.3.2: the server may close after a timeout; say why.
    const std::string goodbye =
        Reply::line(421, "4.4.2 " + config_.hostname + " Timeout, closing connection").wire();
    try {
      co_await stream_.write(goodbye, std::chrono::seconds(5));
    } catch (const boost::system::system_error&) {
    }
  } else if (failure && failure != boost::asio::error::eof &&
             failure != boost::asio::error::connection_reset) {
    log_error("smtp.connection_error", failure.message());
  }
  if (reversal_ && !failure) {
    // RFC 2645 §5.3: the connection now carries our mail to the customer.
    co_await reverse();
    co_return;
  }
  if (reversal_) {
    for (const queue::HeldRecord& entry : reversal_->leased) (void)context_.odmr->store->release(entry, false);
    reversal_.reset();
  }
  co_await end_transaction(true);
  // Idle upstream connections go to the thread's cache for the next client
  // (no new TCP and EHLO per message); the others say QUIT.
  if (delivery_) co_await delivery_->quit();
  stream_.close();
}

boost::asio::awaitable<void> serve_smtp_client(std::shared_ptr<GatewayContext> held,
                                               boost::asio::ip::tcp::socket socket,
                                               const Listener& listener) {
  GatewayContext& context = *held;
  MailStream stream(std::move(socket));
  auto slot = admit_session(context, stream, "smtp");
  if (!slot) {
    // RFC 5321 §3.1: 421 instead of the greeting. 4.3.2: the proxy is full;
    // 4.7.0 (RFC 3463 §3.8): a policy refusal, to be tried again later.
    const bool full = slot.error() == SessionRefusal::too_many_sessions;
    std::string refusal = full ? "4.3.2 " + context.config.hostname + " Too many connections, try again later"
                               : "4.7.0 " + context.config.hostname +
                                     " Too many connections from your address, try again later";
    co_await refuse_before_greeting(stream, listener, std::move(refusal));
    co_return;
  }
  SmtpSession session(context, std::move(stream), listener);
  co_await session.run();
}

}  // namespace opes::proxy
