// MAIL, RCPT and DATA of a mail transaction: each goes through the callout
// server before the delivery sees it (draft-ietf-opes-smtp §3.1, §3.3).

#include "opes/transaction/mail_transaction.hpp"

#include "opes/transaction/held_origin.hpp"

#include <algorithm>

#include "opes/processor/callout_pool_policy.hpp"
#include "opes/proxy/relay_decision.hpp"
#include "opes/smtp/mail_parameters.hpp"
#include "opes/support/log.hpp"
#include "opes/transaction/session_fields.hpp"

namespace opes::proxy {

namespace {

using ocp::smtp::Reply;
using support::log;
using support::LogLevel;

std::vector<processor::EsmtpParameter> esmtp_parameters(const smtp::PathArgument& path) {
  std::vector<processor::EsmtpParameter> parameters;
  for (const auto& parameter : path.parameters)
    parameters.push_back({parameter.keyword, parameter.value});
  return parameters;
}

}  // namespace

bool client_limits_exempt(const ProxyConfig& config, const Origin& origin) {
  return config.limits.exempt_relay_clients && in_networks(config.relay.clients, origin.address);
}

MailTransaction::MailTransaction(const TransactionContext& context, Origin origin,
                                 const ServiceGroup& group, Delivery& delivery, TransactionIds& ids)
    : context_(context),
      config_(context.config),
      origin_(std::move(origin)),
      group_(group),
      delivery_(delivery),
      ids_(ids) {}

MailTransaction::~MailTransaction() = default;

std::vector<ocp::smtp::AmOption> MailTransaction::session_meta() const {
  // smtp §3.4.3: what the callout server cannot see itself. A-22 leaves the
  // keys to us: those of the plugin ABI (opes/plugin.h OPES_META_*), so that
  // the callout server passes them to services unchanged. "auth" only
  // after SMTP AUTH (OPES_META_AUTH: absent if none).
  std::vector<ocp::smtp::AmOption> meta{{"client-address", origin_.address},
                                        {"tls", origin_.tls ? "yes" : "no"},
                                        {"transaction-id", id_}};
  if (!origin_.helo.empty()) meta.push_back({"helo", origin_.helo});
  if (!origin_.authenticated.empty()) meta.push_back({"auth", origin_.authenticated});
  return meta;
}

smtp::ForwardedClient MailTransaction::forwarded_client() const {
  return smtp::ForwardedClient{origin_.address, origin_.port, origin_.helo, origin_.esmtp, id_};
}

void MailTransaction::log_error(std::string_view event, std::string_view cause,
                                bool in_transaction) {
  if (in_transaction) {
    // Inside a mail transaction its id names the message in every daemon's lines.
    log(LogLevel::warning, event,
        {{"peer", origin_.peer},
         {"session", ids_.session},
         {"transaction", id_},
         {"cause", std::string(cause)}});
    return;
  }
  log(LogLevel::warning, event,
      {{"peer", origin_.peer}, {"session", ids_.session}, {"cause", std::string(cause)}});
}

std::optional<Reply> MailTransaction::adaptation_failed(std::string_view stage,
                                                        std::string_view reason) {
  const bool pass = group_.on_failure == FailurePolicy::pass;
  std::string server;
  std::string xid;
  if (adaptation_) {
    server = adaptation_->server();
    xid = std::to_string(adaptation_->xid());
    adaptation_->abort(std::string(reason));
    adaptation_.reset();
  }
  log(LogLevel::warning, "proxy.adaptation_failed",
      {{"peer", origin_.peer},
       {"transaction", id_},
       {"group", group_.name},
       {"server", server},
       {"xid", xid},
       {"stage", std::string(stage)},
       {"cause", std::string(reason)},
       {"policy", pass ? "pass" : "tempfail"}});
  if (pass) {
    // Nothing ran: neither the trace nor an opestrace notification may
    // say otherwise.
    services_run_.clear();
    outcomes_.clear();
    return std::nullopt;
  }
  tempfailed_ = true;
  return processor::failure_reply();
}

boost::asio::awaitable<std::optional<Reply>> MailTransaction::ask_callout(
    const ocp::smtp::AmPart& part, std::string payload, smtp::PathArgument* changed,
    smtp::PathRole role) {
  auto answer = co_await adaptation_->command(part, std::move(payload));
  if (!answer) co_return adaptation_failed(part.token(), answer.error().reason);
  if (answer->smtp_error) {
    log(LogLevel::info, "smtp.command_rejected",
        {{"peer", origin_.peer},
         {"transaction", id_},
         {"part", std::string(part.token())},
         {"service", adaptation_->refusing_service()},
         {"reply", answer->smtp_error->text()}});
    co_return answer->smtp_error;
  }
  if (answer->changed && changed) {
    // The callout server's argument is checked by the client's rules
    // before the delivery sees it.
    smtp::PathOptions options{smtp::requests_smtputf8(mail_)};
    auto parsed = smtp::parse_path_payload(*answer->changed, role, options);
    if (!parsed) {
      co_return adaptation_failed(
          part.token(), "the changed argument is not valid: " + parsed.error().reply(true).text());
    }
    *changed = std::move(*parsed);
  }
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<Reply>> MailTransaction::begin_adaptation(
    const std::vector<processor::GroupService>& services, std::vector<std::string> uris) {
  auto connection = co_await context_.callout.acquire();
  std::string problem = "no callout server answered";
  if (connection) {
    auto begun = connection->begin(uris, session_meta());
    if (!begun && uris.size() < services.size()) {
      // A link holds a bounded number of service groups (RFC 4037 §11.3
      // leaves the bound to the callout server): when a bypass subset
      // cannot get one, every service runs instead.
      log(LogLevel::warning, "proxy.bypass_not_applied",
          {{"transaction", id_}, {"cause", begun.error().reason}});
      uris.clear();
      services_run_.clear();
      for (std::size_t i = 0; i < services.size(); ++i) {
        uris.push_back(services[i].agent_id);
        services_run_.push_back(processor::TraceEntry{services[i].agent_id, {}});
        outcomes_[i].action = processor::ServiceOutcome::Action::ran;
      }
      begun = connection->begin(uris, session_meta());
    }
    if (begun) {
      adaptation_ = std::move(*begun);
    } else {
      problem = begun.error().reason;
    }
  }
  if (!adaptation_) co_return adaptation_failed("MAIL", problem);
  co_return std::nullopt;
}

boost::asio::awaitable<Reply> MailTransaction::mail(const smtp::PathArgument& path) {
  auto opes = processor::read_opes_mail_parameters(esmtp_parameters(path), true);
  if (!opes) co_return opes.error();
  if (!client_limits_exempt(config_, origin_)) {
    client_lease_ =
        context_.client_limits.try_acquire(ClientLimits::Kind::transaction, origin_.address);
    if (!client_lease_) {
      // Before the callout server is asked: one address's idle transactions
      // cannot hold the callout connections every client shares.
      log(LogLevel::warning, "smtp.client_limit",
          {{"peer", origin_.peer},
           {"session", ids_.session},
           {"limit", "limits.max_transactions_per_client"},
           {"max", std::to_string(context_.client_limits.limit(ClientLimits::Kind::transaction))}});
      co_return Reply::line(451,
                            "4.7.1 Too many open transactions from your address, try again later");
    }
  }
  id_ = ids_.next();
  mail_ = path;
  request_ = opes->request;

  // draft §5: opesbypass, unless the policy protects the service.
  std::vector<processor::GroupService> services;
  for (const ServiceSettings& service : group_.services)
    services.push_back({service.name, service.uri, service.bypassable});
  processor::BypassDecision decision;
  if (request_.bypass) {
    decision = processor::decide_bypass(services, *request_.bypass,
                                        {config_.allow_bypass, config_.tracing.agent_id});
  }
  std::vector<std::string> uris;
  for (std::size_t i = 0; i < services.size(); ++i) {
    using Action = processor::ServiceOutcome::Action;
    const bool skipped = decision.skips(i);
    const bool refused =
        std::find(decision.refused.begin(), decision.refused.end(), i) != decision.refused.end();
    outcomes_.push_back({services[i].name, services[i].agent_id,
                         skipped   ? Action::bypassed
                         : refused ? Action::bypass_refused
                                   : Action::ran});
    if (!skipped) {
      uris.push_back(services[i].agent_id);
      services_run_.push_back(processor::TraceEntry{services[i].agent_id, {}});
    }
  }
  if (request_.bypass) {
    log(LogLevel::info, "proxy.bypass",
        {{"peer", origin_.peer},
         {"transaction", id_},
         {"skipped", std::to_string(decision.skipped.size())},
         {"refused", std::to_string(decision.refused.size())}});
  }

  if (!uris.empty()) {
    if (auto refusal = co_await begin_adaptation(services, std::move(uris))) co_return *refusal;
  }
  if (adaptation_) {
    // smtp §3.1, A-21: what the client said before MAIL, for information.
    // Arguments are named: GCC 12 mishandles temporaries in co_await
    // expressions (destroys some twice).
    const ocp::smtp::AmPart ip = ocp::smtp::AmPart::ip();
    std::string address = origin_.address;
    (void)co_await ask_callout(ip, std::move(address), nullptr, smtp::PathRole::reverse_path);
    if (adaptation_ && !origin_.helo.empty()) {
      const ocp::smtp::AmPart greeting =
          origin_.esmtp ? ocp::smtp::AmPart::ehlo : ocp::smtp::AmPart::helo;
      std::string helo = origin_.helo;
      (void)co_await ask_callout(greeting, std::move(helo), nullptr, smtp::PathRole::reverse_path);
    }
  }
  if (tempfailed_) co_return processor::failure_reply();
  if (adaptation_) {
    const ocp::smtp::AmPart mail = ocp::smtp::AmPart::mail;
    std::string payload = smtp::format_path_argument(path);
    if (auto answer =
            co_await ask_callout(mail, std::move(payload), &mail_, smtp::PathRole::reverse_path)) {
      if (adaptation_) adaptation_->finish();  // an SMTP outcome, not a failure: TE 200
      co_return *answer;
    }
  }
  delivery_.set_client(forwarded_client());
  delivery_.set_origin(held_origin(origin_));
  Reply upstream = co_await delivery_.mail(mail_);
  if (!upstream.is_positive()) {
    if (adaptation_) adaptation_->finish();
    co_return upstream;
  }
  upstream_mail_sent_ = true;
  opened_ = true;
  co_return upstream;
}

boost::asio::awaitable<Reply> MailTransaction::rcpt(const smtp::PathArgument& path) {
  if (tempfailed_) co_return processor::failure_reply();
  if (const RelayVerdict verdict = decide_relay(config_.relay, origin_.address, path.path,
                                                    !origin_.authenticated.empty());
      verdict != RelayVerdict::permitted) {
    log(LogLevel::info, "smtp.relay_denied",
        {{"peer", origin_.peer},
         {"transaction", id_},
         {"recipient", path.path},
         {"cause", std::string(describe(verdict))}});
    co_return Reply::line(554, "5.7.1 <" + path.path + ">: Relay access denied");
  }
  smtp::PathArgument recipient = path;
  if (adaptation_) {
    const ocp::smtp::AmPart rcpt = ocp::smtp::AmPart::rcpt;
    std::string payload = smtp::format_path_argument(path);
    if (auto answer = co_await ask_callout(rcpt, std::move(payload), &recipient,
                                           smtp::PathRole::forward_path)) {
      co_return *answer;
    }
  }
  Reply upstream = co_await delivery_.rcpt(recipient);
  if (upstream.is_positive()) {
    recipients_.push_back(recipient.path);
    recipient_arguments_.push_back(std::move(recipient));
  }
  co_return upstream;
}

processor::HeaderInsertion MailTransaction::header_insertion() const {
  processor::HeaderInsertion insertion;
  insertion.received.push_back(
      received_field({origin_.helo, origin_.address, config_.hostname, id_,
                      recipients_.size() == 1 ? recipients_.front() : "", origin_.esmtp,
                      origin_.tls, smtp::requests_smtputf8(mail_), !origin_.authenticated.empty(),
                      origin_.identity_in_received ? origin_.authenticated : std::string()}));
  // draft §4.1: the OPES system's trace, with the services that ran.
  if (auto fields = context_.trace.header_fields(id_, services_run_)) {
    insertion.opes_trace = std::move(*fields);
  } else {
    log(LogLevel::error, "proxy.trace_failed",
        {{"transaction", id_}, {"cause", fields.error().reason}});
  }
  return insertion;
}

boost::asio::awaitable<Reply> MailTransaction::data() {
  if (tempfailed_) co_return processor::failure_reply();
  if (recipients_.empty()) co_return Reply::line(554, "5.5.1 No valid recipients");
  MessageFlowSettings settings;
  settings.spill_directory = config_.work_directory;
  settings.memory_buffer = config_.limits.memory_buffer;
  settings.max_header_section = config_.limits.max_header_section;
  settings.keep_original = adaptation_ && group_.on_failure == FailurePolicy::pass;
  flow_ = std::make_unique<MessageFlow>(adaptation_.get(), header_insertion(), settings);
  co_return Reply::line(354, "End data with <CR><LF>.<CR><LF>");
}

boost::asio::awaitable<void> MailTransaction::content(std::string_view chunk) {
  if (!flow_) co_return;
  size_ += chunk.size();
  co_await flow_->feed(chunk);
}

boost::asio::awaitable<std::optional<Reply>> MailTransaction::verify(const ocp::smtp::AmPart& part,
                                                                     std::string argument) {
  if (!adaptation_) co_return std::nullopt;
  co_return co_await ask_callout(part, std::move(argument), nullptr, smtp::PathRole::forward_path);
}

boost::asio::awaitable<void> MailTransaction::end(bool client_gone) {
  if (adaptation_) {
    if (client_gone) {
      adaptation_->abort("the SMTP client went away");
    } else {
      adaptation_->finish();
    }
  }
  flow_.reset();
  adaptation_.reset();
  client_lease_.reset();
  if (upstream_mail_sent_) {
    upstream_mail_sent_ = false;
    co_await delivery_.reset();
  }
}

}  // namespace opes::proxy
