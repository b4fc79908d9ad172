// The mail transaction of an SMTP session: MAIL, RCPT and DATA each go
// through the callout server before the upstream sees them (draft-ietf-
// opes-smtp §3.1, §3.3), and the message is handed on only once adapted.

#include <algorithm>
#include <cctype>

#include "ocp/smtp/ascii.hpp"
#include "opes/processor/bypass_policy.hpp"
#include "opes/processor/callout_pool_policy.hpp"
#include "opes/proxy/relay_decision.hpp"
#include "opes/proxy/spool.hpp"
#include "opes/smtp/mail_parameters.hpp"
#include "opes/smtp/path_argument.hpp"
#include "opes/support/log.hpp"
#include "session_fields.hpp"
#include "smtp_session_impl.hpp"
#include "trace_notification_gate.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

constexpr std::size_t kDeliveryChunk = std::size_t{64} << 10;

std::vector<processor::EsmtpParameter> esmtp_parameters(const smtp::PathArgument& path) {
  std::vector<processor::EsmtpParameter> parameters;
  for (const auto& parameter : path.parameters)
    parameters.push_back({parameter.keyword, parameter.value});
  return parameters;
}

}  // namespace

std::vector<ocp::smtp::AmOption> SmtpSession::session_meta() const {
  // smtp §3.4.3: what the callout server cannot see itself. A-22 leaves the
  // keys to us: those of the plugin ABI (opes/plugin.h OPES_META_*), so that
  // the callout server passes them to services unchanged. "auth" only
  // after SMTP AUTH (OPES_META_AUTH: absent if none).
  std::vector<ocp::smtp::AmOption> meta{{"client-address", stream_.peer_address()},
                                        {"tls", stream_.tls() ? "yes" : "no"},
                                        {"transaction-id", transaction_->id}};
  if (!helo_.empty()) meta.push_back({"helo", helo_});
  if (!auth_.user().empty()) meta.push_back({"auth", auth_.user()});
  return meta;
}

smtp::ForwardedClient SmtpSession::forwarded_client() const {
  return smtp::ForwardedClient{stream_.peer_address(), stream_.peer_port(), helo_, esmtp_,
                               transaction_ ? transaction_->id : session_id_};
}

std::optional<Reply> SmtpSession::adaptation_failed(std::string_view stage,
                                                    std::string_view reason) {
  const bool pass = group_.on_failure == FailurePolicy::pass;
  std::string server;
  std::string xid;
  if (transaction_ && transaction_->adaptation) {
    server = transaction_->adaptation->server();
    xid = std::to_string(transaction_->adaptation->xid());
    transaction_->adaptation->abort(std::string(reason));
    transaction_->adaptation.reset();
  }
  log(LogLevel::warning, "proxy.adaptation_failed",
      {{"peer", stream_.peer()},
       {"transaction", transaction_ ? transaction_->id : session_id_},
       {"group", group_.name},
       {"server", server},
       {"xid", xid},
       {"stage", std::string(stage)},
       {"cause", std::string(reason)},
       {"policy", pass ? "pass" : "tempfail"}});
  if (pass) {
    if (transaction_) {
      // Nothing ran: neither the trace nor an opestrace notification may
      // say otherwise.
      transaction_->services_run.clear();
      transaction_->outcomes.clear();
    }
    return std::nullopt;
  }
  if (transaction_) transaction_->tempfailed = true;
  return processor::failure_reply();
}

boost::asio::awaitable<std::optional<Reply>> SmtpSession::ask_callout(
    const ocp::smtp::AmPart& part, std::string payload, smtp::PathArgument* changed,
    smtp::PathRole role) {
  auto answer = co_await transaction_->adaptation->command(part, std::move(payload));
  if (!answer) co_return adaptation_failed(part.token(), answer.error().reason);
  if (answer->smtp_error) {
    log(LogLevel::info, "smtp.command_rejected",
        {{"peer", stream_.peer()},
         {"transaction", transaction_->id},
         {"part", std::string(part.token())},
         {"service", transaction_->adaptation->refusing_service()},
         {"reply", answer->smtp_error->text()}});
    co_return answer->smtp_error;
  }
  if (answer->changed && changed) {
    // The callout server's argument is checked by the client's rules
    // before the upstream sees it.
    smtp::PathOptions options{smtp::requests_smtputf8(transaction_->mail)};
    auto parsed = smtp::parse_path_payload(*answer->changed, role, options);
    if (!parsed) {
      co_return adaptation_failed(part.token(), "the changed argument is not valid: " +
                                                    parsed.error().reply(true).text());
    }
    *changed = std::move(*parsed);
  }
  co_return std::nullopt;
}

boost::asio::awaitable<Reply> SmtpSession::on_mail(const smtp::PathArgument& path) {
  auto opes = processor::read_opes_mail_parameters(esmtp_parameters(path), true);
  if (!opes) co_return opes.error();
  std::optional<ClientLimits::Lease> client_lease;
  if (!client_limits_exempt(config_, stream_.peer_address())) {
    client_lease = context_.client_limits.try_acquire(ClientLimits::Kind::transaction,
                                                      stream_.peer_address());
    if (!client_lease) {
      // Before the callout server is asked: one address's idle transactions
      // cannot hold the callout connections every client shares.
      log(LogLevel::warning, "smtp.client_limit",
          {{"peer", stream_.peer()},
           {"session", session_id_},
           {"limit", "limits.max_transactions_per_client"},
           {"max", std::to_string(context_.client_limits.limit(ClientLimits::Kind::transaction))}});
      co_return Reply::line(451, "4.7.1 Too many open transactions from your address, try again later");
    }
  }
  transaction_.emplace();
  MailTransaction& t = *transaction_;
  t.client_lease = std::move(client_lease);
  t.id = session_id_ + "." + std::to_string(++transactions_);
  t.mail = path;
  t.request = opes->request;

  // draft §5: opesbypass, unless the policy protects the service.
  std::vector<processor::GroupService> services;
  for (const ServiceSettings& service : group_.services)
    services.push_back({service.name, service.uri, service.bypassable});
  processor::BypassDecision decision;
  if (t.request.bypass) {
    decision = processor::decide_bypass(
        services, *t.request.bypass, {config_.allow_bypass, config_.tracing.agent_id});
  }
  std::vector<std::string> uris;
  for (std::size_t i = 0; i < services.size(); ++i) {
    using Action = processor::ServiceOutcome::Action;
    const bool skipped = decision.skips(i);
    const bool refused = std::find(decision.refused.begin(), decision.refused.end(), i) !=
                         decision.refused.end();
    t.outcomes.push_back({services[i].name, services[i].agent_id,
                          skipped ? Action::bypassed : refused ? Action::bypass_refused : Action::ran});
    if (!skipped) {
      uris.push_back(services[i].agent_id);
      t.services_run.push_back(processor::TraceEntry{services[i].agent_id, {}});
    }
  }
  if (t.request.bypass) {
    log(LogLevel::info, "proxy.bypass",
        {{"peer", stream_.peer()},
         {"transaction", t.id},
         {"skipped", std::to_string(decision.skipped.size())},
         {"refused", std::to_string(decision.refused.size())}});
  }

  if (!uris.empty()) {
    auto connection = co_await context_.callout.acquire();
    std::string problem = "no callout server answered";
    if (connection) {
      auto begun = Adaptation::begin(context_.callout, connection, uris, session_meta());
      if (!begun && uris.size() < services.size()) {
        // A link holds a bounded number of service groups (RFC 4037 §11.3
        // leaves the bound to the callout server): when a bypass subset
        // cannot get one, every service runs instead.
        log(LogLevel::warning, "proxy.bypass_not_applied",
            {{"transaction", t.id}, {"cause", begun.error().reason}});
        uris.clear();
        t.services_run.clear();
        for (std::size_t i = 0; i < services.size(); ++i) {
          uris.push_back(services[i].agent_id);
          t.services_run.push_back(processor::TraceEntry{services[i].agent_id, {}});
          t.outcomes[i].action = processor::ServiceOutcome::Action::ran;
        }
        begun = Adaptation::begin(context_.callout, connection, uris, session_meta());
      }
      if (begun) {
        t.adaptation = std::move(*begun);
      } else {
        problem = begun.error().reason;
      }
    }
    if (!t.adaptation) {
      if (auto refusal = adaptation_failed("MAIL", problem)) {
        transaction_.reset();
        co_return *refusal;
      }
    }
  }
  if (t.adaptation) {
    // smtp §3.1, A-21: what the client said before MAIL, for information.
    // Arguments are named: GCC 12 mishandles temporaries in co_await
    // expressions (destroys some twice).
    const ocp::smtp::AmPart ip = ocp::smtp::AmPart::ip();
    std::string address = stream_.peer_address();
    (void)co_await ask_callout(ip, std::move(address), nullptr, smtp::PathRole::reverse_path);
    if (t.adaptation && !helo_.empty()) {
      const ocp::smtp::AmPart greeting = esmtp_ ? ocp::smtp::AmPart::ehlo : ocp::smtp::AmPart::helo;
      std::string helo = helo_;
      (void)co_await ask_callout(greeting, std::move(helo), nullptr, smtp::PathRole::reverse_path);
    }
  }
  if (t.tempfailed) {
    transaction_.reset();
    co_return processor::failure_reply();
  }
  if (t.adaptation) {
    const ocp::smtp::AmPart mail = ocp::smtp::AmPart::mail;
    std::string payload = smtp::format_path_argument(path);
    if (auto answer =
            co_await ask_callout(mail, std::move(payload), &t.mail, smtp::PathRole::reverse_path)) {
      if (t.adaptation) t.adaptation->finish();  // an SMTP outcome, not a failure: TE 200
      transaction_.reset();
      co_return *answer;
    }
  }
  delivery().set_client(forwarded_client());
  Reply upstream = co_await delivery().mail(t.mail);
  if (!upstream.is_positive()) {
    if (t.adaptation) t.adaptation->finish();
    transaction_.reset();
    co_return upstream;
  }
  t.upstream_mail_sent = true;
  co_return upstream;
}

boost::asio::awaitable<Reply> SmtpSession::on_rcpt(const smtp::PathArgument& path) {
  MailTransaction& t = *transaction_;
  if (t.tempfailed) co_return processor::failure_reply();
  if (const RelayVerdict verdict = decide_relay(config_.relay, stream_.peer_address(), path.path,
                                                    !auth_.user().empty());
      verdict != RelayVerdict::permitted) {
    log(LogLevel::info, "smtp.relay_denied",
        {{"peer", stream_.peer()},
         {"transaction", t.id},
         {"recipient", path.path},
         {"cause", std::string(describe(verdict))}});
    co_return Reply::line(554, "5.7.1 <" + path.path + ">: Relay access denied");
  }
  smtp::PathArgument recipient = path;
  if (t.adaptation) {
    const ocp::smtp::AmPart rcpt = ocp::smtp::AmPart::rcpt;
    std::string payload = smtp::format_path_argument(path);
    if (auto answer = co_await ask_callout(rcpt, std::move(payload), &recipient,
                                           smtp::PathRole::forward_path)) {
      co_return *answer;
    }
  }
  Reply upstream = co_await delivery().rcpt(recipient);
  if (upstream.is_positive()) t.recipients.push_back(recipient.path);
  co_return upstream;
}

processor::HeaderInsertion SmtpSession::header_insertion() const {
  const MailTransaction& t = *transaction_;
  processor::HeaderInsertion insertion;
  insertion.received.push_back(received_field({helo_, stream_.peer_address(), config_.hostname,
                                               t.id,
                                               t.recipients.size() == 1 ? t.recipients.front() : "",
                                               esmtp_, stream_.tls(),
                                               smtp::requests_smtputf8(t.mail),
                                               !auth_.user().empty()}));
  // draft §4.1: the OPES system's trace, with the services that ran.
  if (auto fields = context_.trace.header_fields(t.id, t.services_run)) {
    insertion.opes_trace = std::move(*fields);
  } else {
    log(LogLevel::error, "proxy.trace_failed",
        {{"transaction", t.id}, {"cause", fields.error().reason}});
  }
  return insertion;
}

boost::asio::awaitable<Reply> SmtpSession::on_data() {
  MailTransaction& t = *transaction_;
  if (t.tempfailed) co_return processor::failure_reply();
  if (t.recipients.empty()) co_return Reply::line(554, "5.5.1 No valid recipients");
  MessageFlowSettings settings;
  settings.spill_directory = config_.work_directory;
  settings.memory_buffer = config_.limits.memory_buffer;
  settings.max_header_section = config_.limits.max_header_section;
  settings.keep_original = t.adaptation && group_.on_failure == FailurePolicy::pass;
  t.flow = std::make_unique<MessageFlow>(t.adaptation.get(), header_insertion(), settings);
  in_data_ = true;
  co_return Reply::line(354, "End data with <CR><LF>.<CR><LF>");
}

boost::asio::awaitable<Reply> SmtpSession::deliver(processor::SpillBuffer& output) {
  if (auto refusal = co_await delivery().begin_data()) co_return *refusal;
  for (;;) {
    auto chunk = output.read(kDeliveryChunk);
    if (!chunk) {
      log_error("proxy.spill_failed", chunk.error().reason);
      delivery().abort();
      co_return local_error_reply();
    }
    if (chunk->empty()) break;
    co_await delivery().write_data(*chunk);
  }
  co_return co_await delivery().end_data();
}

Reply SmtpSession::quarantine(processor::SpillBuffer& output) {
  const MailTransaction& t = *transaction_;
  auto message = SpoolMessage::create(config_.quarantine, Envelope{t.mail.path, t.recipients});
  std::string problem = message ? std::string() : message.error();
  while (message && problem.empty()) {
    auto chunk = output.read(kDeliveryChunk);
    if (!chunk) {
      problem = chunk.error().reason;
      break;
    }
    if (chunk->empty()) break;
    if (auto written = message->write(*chunk); !written) problem = written.error();
  }
  if (problem.empty()) {
    if (auto committed = message->commit(); committed) {
      log(LogLevel::info, "proxy.quarantined",
          {{"transaction", t.id}, {"file", committed->string()}});
      return Reply::line(250, "2.0.0 Ok: quarantined as " + committed->filename().string());
    } else {
      problem = committed.error();
    }
  }
  log_error("proxy.quarantine_failed", problem);
  return Reply::line(451, "4.3.0 Cannot quarantine the message now, try again later");
}

boost::asio::awaitable<Reply> SmtpSession::on_data_end(const smtp::DataEnd& end) {
  MailTransaction& t = *transaction_;
  // The whole message as the client sent it, also when refused (the
  // chunks fed stop at a violation).
  t.size = end.size;
  if (end.refusal) {
    if (t.adaptation) t.adaptation->abort("the message broke a limit");
    if (t.upstream_mail_sent) co_await delivery().reset();
    log_message(*end.refusal, "refused");
    transaction_.reset();
    co_return *end.refusal;
  }
  MessageOutcome outcome = co_await t.flow->finish();
  Reply result;
  std::string summary;
  if (outcome.kind == MessageOutcome::Kind::failed) {
    if (auto refusal = adaptation_failed("DATA", outcome.reason)) {
      result = *refusal;
      summary = "tempfail";
    } else if (!t.flow->kept_original()) {
      // pass, but nothing to pass: the failure came before any adaptation.
      log_error("proxy.message_failed", outcome.reason);
      result = local_error_reply();
      summary = "tempfail";
    } else if (auto original = t.flow->use_original(); !original) {
      log_error("proxy.spill_failed", original.error());
      result = local_error_reply();
      summary = "tempfail";
    } else {
      outcome.kind = MessageOutcome::Kind::deliver;
      summary = "passed unadapted";
    }
  } else if (outcome.kind == MessageOutcome::Kind::local_error) {
    log_error("proxy.message_failed", outcome.reason);
    result = *outcome.reply;
    summary = "refused";
  }
  switch (outcome.kind) {
    case MessageOutcome::Kind::deliver:
      result = co_await deliver(t.flow->output());
      if (!result.is_positive()) {
        summary = config_.upstream ? "refused upstream" : "not spooled";
      } else if (summary.empty()) {
        summary = config_.upstream ? "delivered" : "spooled";
      }
      break;
    case MessageOutcome::Kind::reject:
      result = *outcome.reply;
      summary = "rejected by the callout server";
      break;
    case MessageOutcome::Kind::discard:
      result = Reply::line(250, "2.0.0 Ok: discarded by content policy");
      summary = "discarded";
      break;
    case MessageOutcome::Kind::quarantine:
      result = quarantine(t.flow->output());
      summary = result.is_positive() ? "quarantined" : "quarantine failed";
      break;
    case MessageOutcome::Kind::failed:
    case MessageOutcome::Kind::local_error:
      break;
  }
  if (outcome.kind != MessageOutcome::Kind::deliver && t.upstream_mail_sent)
    co_await delivery().reset();
  if (t.adaptation) t.adaptation->finish();
  log_message(result, summary,
              outcome.kind == MessageOutcome::Kind::reject ? outcome.service : std::string());
  bool notify = result.is_positive() && t.request.trace &&
                outcome.kind == MessageOutcome::Kind::deliver;
  if (notify && !may_request_trace_notification(config_, stream_.peer_address())) {
    // draft §4.2 leaves the audience open and §6 accepts that notifications
    // may not arrive: the parameter was taken (250), the trace is in the
    // message's OPES-System/OPES-Via fields, and no mail goes to a sender
    // address that this client may have forged (docs/ocp-conformance.md).
    log(LogLevel::info, "proxy.trace_notification_skipped",
        {{"peer", stream_.peer()},
         {"transaction", t.id},
         {"recipient", t.mail.path},
         {"cause", config_.tracing.notify == TraceNotify::nobody
                       ? "tracing.notify is nobody"
                       : "the client is not in relay.clients"}});
    notify = false;
  }
  const std::string header_section = notify ? t.flow->header_section() : std::string();
  const std::string sender = t.mail.path;
  const std::string id = t.id;
  const auto outcomes = t.outcomes;
  transaction_.reset();
  if (notify) co_await send_trace_notification(header_section, sender, outcomes, id);
  co_return result;
}

boost::asio::awaitable<void> SmtpSession::send_trace_notification(
    const std::string& header_section, const std::string& sender,
    const std::vector<processor::ServiceOutcome>& outcomes, const std::string& id) {
  const std::string date = rfc5322_date();
  const std::string message_id = "<opestrace." + id + "@" + config_.hostname + ">";
  const std::string postmaster = "postmaster@" + config_.hostname;
  processor::TraceNotificationInput input{
      header_section, sender, config_.hostname, postmaster, date, message_id, outcomes};
  input.max_header_octets = config_.tracing.notify_max_header;
  auto built = processor::build_trace_notification(input);
  if (!built) {
    log_error("proxy.trace_notification_failed", built.error().reason);
    co_return;
  }
  if (!*built) co_return;  // the null sender gets none (RFC 3834 §2)
  const processor::TraceNotification& notification = **built;
  using Verdict = processor::NotificationRateLimiter::Verdict;
  if (const Verdict verdict = admit_trace_notification(config_.tracing, notification.recipient);
      verdict != Verdict::admitted) {
    log(LogLevel::warning, "proxy.trace_notification_skipped",
        {{"peer", stream_.peer()},
         {"transaction", id},
         {"recipient", notification.recipient},
         {"cause", verdict == Verdict::sender_limit
                       ? "tracing.notify_rate.per_sender reached for this sender"
                       : "tracing.notify_rate.total reached"}});
    co_return;
  }
  smtp::PathArgument from{notification.envelope_from, {}};
  if (notification.eight_bit) from.parameters.push_back({"BODY", "8BITMIME"});
  Reply result = co_await delivery().mail(from);
  if (result.is_positive()) {
    // Named, not a temporary in the co_await expression: GCC 12 destroys
    // such temporaries twice.
    const smtp::PathArgument to{notification.recipient, {}};
    result = co_await delivery().rcpt(to);
    if (result.is_positive()) {
      if (auto refusal = co_await delivery().begin_data()) {
        result = *refusal;
      } else {
        co_await delivery().write_data(notification.content);
        result = co_await delivery().end_data();
      }
    }
    if (!result.is_positive()) co_await delivery().reset();
  }
  log(result.is_positive() ? LogLevel::info : LogLevel::warning, "proxy.trace_notification",
      {{"peer", stream_.peer()},
       {"transaction", id},
       {"recipient", notification.recipient},
       {"header_octets", std::to_string(notification.header_octets)},
       {"header_octets_included", std::to_string(notification.header_octets_included)},
       {"reply", result.text()}});
}

void SmtpSession::log_message(const Reply& reply, std::string_view outcome,
                              std::string_view service) {
  const MailTransaction& t = *transaction_;
  const LogLevel level = reply.is_positive() ? LogLevel::info : LogLevel::warning;
  // The service that refused, as the callout server named it: with the
  // transaction id (also the callout server's and the plugins' field), the
  // line says who refused what without a second log to look in.
  if (service.empty()) {
    log(level, "smtp.message",
        {{"peer", stream_.peer()},
         {"transaction", t.id},
         {"from", t.mail.path},
         {"recipients", std::to_string(t.recipients.size())},
         {"size", std::to_string(t.size)},
         {"outcome", std::string(outcome)},
         {"reply", reply.text()}});
  } else {
    log(level, "smtp.message",
        {{"peer", stream_.peer()},
         {"transaction", t.id},
         {"from", t.mail.path},
         {"recipients", std::to_string(t.recipients.size())},
         {"size", std::to_string(t.size)},
         {"outcome", std::string(outcome)},
         {"service", std::string(service)},
         {"reply", reply.text()}});
  }
}

boost::asio::awaitable<void> SmtpSession::end_transaction(bool client_gone) {
  if (!transaction_) co_return;
  MailTransaction& t = *transaction_;
  if (t.adaptation) {
    if (client_gone) {
      t.adaptation->abort("the SMTP client went away");
    } else {
      t.adaptation->finish();
    }
  }
  const bool reset_upstream = t.upstream_mail_sent && delivery_;
  transaction_.reset();
  if (reset_upstream) co_await delivery_->reset();
}

}  // namespace opes::proxy
