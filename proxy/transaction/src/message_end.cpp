// The end of a mail transaction: after the client's final dot the message
// goes to the delivery, into the quarantine, nowhere, or back with an
// error, by what the callout server said (smtp §3.3.4) and the failure
// policy; then the opestrace notification (draft §4.2), if one is due.

#include <vector>

#include "opes/proxy/spool.hpp"
#include "opes/smtp/path_argument.hpp"
#include "opes/support/log.hpp"
#include "opes/transaction/generated_message.hpp"
#include "opes/transaction/mail_transaction.hpp"
#include "opes/transaction/session_fields.hpp"
#include "opes/transaction/trace_notification_gate.hpp"

namespace opes::proxy {

namespace {

using ocp::smtp::Reply;
using support::log;
using support::LogLevel;

constexpr std::size_t kDeliveryChunk = std::size_t{64} << 10;

}  // namespace

boost::asio::awaitable<Reply> MailTransaction::deliver(Delivery& delivery,
                                                       processor::SpillBuffer& output) {
  if (auto refusal = co_await delivery.begin_data()) co_return *refusal;
  for (;;) {
    auto chunk = output.read(kDeliveryChunk);
    if (!chunk) {
      log_error("proxy.spill_failed", chunk.error().reason);
      delivery.abort();
      co_return local_error_reply();
    }
    if (chunk->empty()) break;
    co_await delivery.write_data(*chunk);
  }
  co_return co_await delivery.end_data();
}

boost::asio::awaitable<Reply> MailTransaction::quarantine(processor::SpillBuffer& output) {
  // The quarantine is a spool of its own (maildir discipline, spool.hpp),
  // reached through the same Delivery as the spool proper.
  auto quarantine = make_spool_delivery(config_.quarantine, SpoolPurpose::quarantine);
  quarantine->set_client(forwarded_client());
  (void)co_await quarantine->mail(mail_);
  for (const smtp::PathArgument& recipient : recipient_arguments_)
    (void)co_await quarantine->rcpt(recipient);
  Reply result = co_await deliver(*quarantine, output);
  co_await quarantine->quit();
  co_return result;
}

boost::asio::awaitable<Reply> MailTransaction::data_end(const smtp::DataEnd& end) {
  // The whole message as the client sent it, also when refused (the
  // chunks fed stop at a violation).
  size_ = end.size;
  opened_ = false;
  if (end.refusal) {
    if (adaptation_) adaptation_->abort("the message broke a limit");
    if (upstream_mail_sent_) co_await delivery_.reset();
    upstream_mail_sent_ = false;
    log_message(*end.refusal, "refused");
    co_return *end.refusal;
  }
  MessageOutcome outcome = co_await flow_->finish();
  Reply result;
  std::string summary;
  if (outcome.kind == MessageOutcome::Kind::failed) {
    if (auto refusal = adaptation_failed("DATA", outcome.reason)) {
      result = *refusal;
      summary = "tempfail";
    } else if (!flow_->kept_original()) {
      // pass, but nothing to pass: the failure came before any adaptation.
      log_error("proxy.message_failed", outcome.reason);
      result = local_error_reply();
      summary = "tempfail";
    } else if (auto original = flow_->use_original(); !original) {
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
      result = co_await deliver(delivery_, flow_->output());
      if (!result.is_positive()) {
        // With destinations (neither top-level key) the kind is per message:
        // "delivered" for all (spool.stored names a spooled file).
        summary = config_.spool ? "not spooled" : "refused upstream";
      } else if (summary.empty()) {
        summary = config_.spool ? "spooled" : "delivered";
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
      result = co_await quarantine(flow_->output());
      summary = result.is_positive() ? "quarantined" : "quarantine failed";
      break;
    case MessageOutcome::Kind::failed:
    case MessageOutcome::Kind::local_error:
      break;
  }
  if (outcome.kind != MessageOutcome::Kind::deliver && upstream_mail_sent_)
    co_await delivery_.reset();
  upstream_mail_sent_ = false;
  if (adaptation_) adaptation_->finish();
  log_message(result, summary,
              outcome.kind == MessageOutcome::Kind::reject ? outcome.service : std::string());
  bool notify =
      result.is_positive() && request_.trace && outcome.kind == MessageOutcome::Kind::deliver;
  if (notify && !may_request_trace_notification(config_, origin_.address)) {
    // draft §4.2 leaves the audience open and §6 accepts that notifications
    // may not arrive: the parameter was taken (250), the trace is in the
    // message's OPES-System/OPES-Via fields, and no mail goes to a sender
    // address that this client may have forged (docs/ocp-conformance.md).
    log(LogLevel::info, "proxy.trace_notification_skipped",
        {{"peer", origin_.peer},
         {"transaction", id_},
         {"recipient", mail_.path},
         {"cause", config_.tracing.notify == TraceNotify::nobody
                       ? "tracing.notify is nobody"
                       : "the client is not in relay.clients"}});
    notify = false;
  }
  const std::string header_section = notify ? flow_->header_section() : std::string();
  // The transaction is over before the notification goes out: its callout
  // transaction, message and client-limit lease are released first.
  flow_.reset();
  adaptation_.reset();
  client_lease_.reset();
  if (notify) {
    const std::string sender = mail_.path;
    co_await send_trace_notification(header_section, sender, outcomes_);
  }
  co_return result;
}

boost::asio::awaitable<void> MailTransaction::send_trace_notification(
    const std::string& header_section, const std::string& sender,
    const std::vector<processor::ServiceOutcome>& outcomes) {
  const std::string date = rfc5322_date();
  const std::string message_id = "<opestrace." + id_ + "@" + config_.hostname + ">";
  const std::string postmaster = "postmaster@" + config_.hostname;
  processor::TraceNotificationInput input{header_section, sender,     config_.hostname, postmaster,
                                          date,           message_id, outcomes};
  input.max_header_octets = config_.tracing.notify_max_header;
  auto built = processor::build_trace_notification(input);
  if (!built) {
    // Logged as outside the transaction: the message's own is over.
    log_error("proxy.trace_notification_failed", built.error().reason, false);
    co_return;
  }
  if (!*built) co_return;  // the null sender gets none (RFC 3834 §2)
  const processor::TraceNotification& notification = **built;
  using Verdict = processor::NotificationRateLimiter::Verdict;
  if (const Verdict verdict = admit_trace_notification(config_.tracing, notification.recipient);
      verdict != Verdict::admitted) {
    log(LogLevel::warning, "proxy.trace_notification_skipped",
        {{"peer", origin_.peer},
         {"transaction", id_},
         {"recipient", notification.recipient},
         {"cause", verdict == Verdict::sender_limit
                       ? "tracing.notify_rate.per_sender reached for this sender"
                       : "tracing.notify_rate.total reached"}});
    co_return;
  }
  GeneratedEnvelope envelope{smtp::PathArgument{notification.envelope_from, {}},
                             smtp::PathArgument{notification.recipient, {}}};
  if (notification.eight_bit) envelope.from.parameters.push_back({"BODY", "8BITMIME"});
  const Reply result = co_await send_generated(delivery_, envelope, notification.content);
  log(result.is_positive() ? LogLevel::info : LogLevel::warning, "proxy.trace_notification",
      {{"peer", origin_.peer},
       {"transaction", id_},
       {"recipient", notification.recipient},
       {"header_octets", std::to_string(notification.header_octets)},
       {"header_octets_included", std::to_string(notification.header_octets_included)},
       {"reply", result.text()}});
}

void MailTransaction::log_message(const Reply& reply, std::string_view outcome,
                                  std::string_view service) {
  const LogLevel level = reply.is_positive() ? LogLevel::info : LogLevel::warning;
  // The service that refused, as the callout server named it: with the
  // transaction id (also the callout server's and the plugins' field), the
  // line says who refused what without a second log to look in.
  if (!support::log_enabled(level)) return;
  std::vector<support::LogField> fields{{"peer", origin_.peer},
                                        {"transaction", id_},
                                        {"from", mail_.path},
                                        {"recipients", std::to_string(recipients_.size())},
                                        {"size", std::to_string(size_)},
                                        {"outcome", std::string(outcome)}};
  if (!service.empty()) fields.emplace_back("service", std::string(service));
  fields.emplace_back("reply", reply.text());
  log(level, "smtp.message", fields);
}

}  // namespace opes::proxy
