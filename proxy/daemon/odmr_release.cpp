#include "odmr_release.hpp"

#include <algorithm>
#include <chrono>

#include "odmr_runtime.hpp"
#include "opes/proxy/routing_delivery.hpp"
#include "opes/support/log.hpp"
#include "opes/transaction/held_origin.hpp"

namespace opes::proxy {

namespace {

using ocp::smtp::Reply;
using support::log;
using support::LogLevel;

/// "RET=HDRS ENVID=x" as a record keeps them, back to MAIL/RCPT parameters.
std::vector<smtp::MailParameter> parameters_of(std::string_view text) {
  std::vector<smtp::MailParameter> parameters;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (word.empty()) continue;
    const auto equals = word.find('=');
    smtp::MailParameter parameter;
    parameter.keyword = std::string(word.substr(0, equals));
    if (equals != std::string_view::npos) parameter.value = std::string(word.substr(equals + 1));
    parameters.push_back(std::move(parameter));
  }
  return parameters;
}

/// MAIL's parameters for a held entry: its DSN ones, and what its octets
/// need, which the record does not keep: BODY=8BITMIME for content with
/// octets >= 0x80 (RFC 6152 §3), SMTPUTF8 for a non-ASCII address (RFC
/// 6531 §3.4). The delivery drops each one the customer does not offer.
std::vector<smtp::MailParameter> mail_parameters(const queue::HeldRecord& entry, std::string_view content) {
  auto eight_bit = [](std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  };
  std::vector<smtp::MailParameter> parameters = parameters_of(entry.sender_dsn);
  if (eight_bit(content)) parameters.push_back({"BODY", "8BITMIME"});
  bool utf8 = eight_bit(entry.sender);
  for (const queue::HeldRecipient& recipient : entry.recipients) utf8 = utf8 || eight_bit(recipient.address);
  if (utf8) parameters.push_back({"SMTPUTF8", std::nullopt});
  return parameters;
}

/// What happened to one entry: each recipient's reply, in record order.
struct EntryOutcome {
  std::vector<Reply> recipients;
};

/// The reply every recipient of a message shares once accepted.
void settle(EntryOutcome& outcome, const std::vector<bool>& accepted, const Reply& reply) {
  for (std::size_t i = 0; i < accepted.size(); ++i)
    if (accepted[i]) outcome.recipients[i] = reply;
}

EntryOutcome all_recipients(const queue::HeldRecord& entry, const Reply& reply) {
  return EntryOutcome{std::vector<Reply>(entry.recipients.size(), reply)};
}

/// The entry straight to the customer: MAIL, each RCPT, DATA, the content.
boost::asio::awaitable<EntryOutcome> deliver_entry(Delivery& delivery, const queue::HeldRecord& entry,
                                                   const std::string& content) {
  const smtp::PathArgument sender{entry.sender, mail_parameters(entry, content)};
  Reply mail = co_await delivery.mail(sender);
  if (!mail.is_positive()) co_return all_recipients(entry, mail);
  EntryOutcome outcome = all_recipients(entry, mail);
  std::vector<bool> accepted(entry.recipients.size(), false);
  bool any = false;
  for (std::size_t i = 0; i < entry.recipients.size(); ++i) {
    const smtp::PathArgument recipient{entry.recipients[i].address, parameters_of(entry.recipients[i].dsn)};
    Reply reply = co_await delivery.rcpt(recipient);
    accepted[i] = reply.is_positive();
    any = any || accepted[i];
    outcome.recipients[i] = std::move(reply);
  }
  if (!any) {
    co_await delivery.reset();
    co_return outcome;
  }
  if (auto refused = co_await delivery.begin_data()) {
    settle(outcome, accepted, *refused);
    co_await delivery.reset();
    co_return outcome;
  }
  co_await delivery.write_data(content);
  Reply end = co_await delivery.end_data();
  settle(outcome, accepted, end);
  co_return outcome;
}

/// Re-scan at release: the entry as a mail transaction of the release
/// group, whose delivery is the customer.
boost::asio::awaitable<EntryOutcome> rescan_entry(GatewayContext& context, const ServiceGroup& group,
                                                  Delivery& delivery, TransactionIds& ids,
                                                  const queue::HeldRecord& entry, const std::string& content) {
  TransactionContext transaction_context{context.config, context.callout_source, context.trace,
                                         context.client_limits};
  MailTransaction transaction(transaction_context, origin_of(entry.origin), group, delivery, ids);
  const smtp::PathArgument sender{entry.sender, mail_parameters(entry, content)};
  Reply mail = co_await transaction.mail(sender);
  if (!transaction.open()) co_return all_recipients(entry, mail);
  EntryOutcome outcome = all_recipients(entry, mail);
  std::vector<bool> accepted(entry.recipients.size(), false);
  bool any = false;
  for (std::size_t i = 0; i < entry.recipients.size(); ++i) {
    const smtp::PathArgument recipient{entry.recipients[i].address, parameters_of(entry.recipients[i].dsn)};
    Reply reply = co_await transaction.rcpt(recipient);
    accepted[i] = reply.is_positive();
    any = any || accepted[i];
    outcome.recipients[i] = std::move(reply);
  }
  if (!any) {
    co_await transaction.end(false);
    co_return outcome;
  }
  Reply data = co_await transaction.data();
  if (data.code != 354) {
    settle(outcome, accepted, data);
    co_await transaction.end(false);
    co_return outcome;
  }
  co_await transaction.content(content);
  const smtp::DataEnd end_of_data{std::nullopt, content.size()};
  Reply end = co_await transaction.data_end(end_of_data);
  settle(outcome, accepted, end);
  co_return outcome;
}

/// RFC 3463's status of a reply ("5.1.1"), when its first line starts with one.
std::string status_of(const Reply& reply) {
  const std::string first = reply.lines.empty() ? std::string() : reply.lines.front();
  const std::string word = first.substr(0, first.find(' '));
  const bool shaped = word.size() >= 5 && word.size() <= 9 && word[1] == '.' &&
                      (word[0] == '2' || word[0] == '4' || word[0] == '5') &&
                      std::all_of(word.begin(), word.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
  if (shaped) return word;
  return reply.code >= 500 ? "5.0.0" : reply.code >= 400 ? "4.0.0" : "2.0.0";
}

/// The reply on one line, for Diagnostic-Code: "550 5.1.1 no such user".
std::string diagnostic_of(const Reply& reply) {
  std::string text = std::to_string(reply.code);
  for (const std::string& line : reply.lines) text += " " + line;
  return text;
}

struct ReleaseCounts {
  std::size_t delivered = 0;  // recipients
  std::size_t bounced = 0;
  std::size_t deferred = 0;
};

}  // namespace

smtp::DsnRequest dsn_request(const ProxyConfig& config, const queue::HeldRecord& entry,
                             std::vector<smtp::DsnRecipient> failed, std::string_view content,
                             std::string explanation) {
  smtp::DsnRequest request;
  request.reporting_mta = config.hostname;
  request.sender = entry.sender;
  request.sender_dsn_parameters = entry.sender_dsn;
  request.recipients = std::move(failed);
  request.arrival = entry.received;
  request.now = std::chrono::system_clock::now();
  request.explanation = std::move(explanation);
  request.original = content;
  request.unique = entry.id + "." +
                   std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                      request.now.time_since_epoch()).count());
  return request;
}

boost::asio::awaitable<Reply> send_dsn(GatewayContext& context, const smtp::DsnMessage& dsn) {
  const ProxyConfig& config = context.config;
  queue::HoldStore* hold = context.odmr ? context.odmr->store.get() : nullptr;
  auto open = [&context, hold](std::size_t index) {
    return make_destination_delivery(context.config.routing.destinations[index],
                                     context.destination_tls[index], context.config.hostname, hold);
  };
  auto delivery = make_routing_delivery(config.routing, open, nullptr);
  // RFC 6152: an 8-bit original returned whole goes with BODY=8BITMIME.
  std::vector<smtp::MailParameter> body;
  if (dsn.eight_bit) body.push_back({"BODY", "8BITMIME"});
  GeneratedMessage message{smtp::PathArgument{"", std::move(body)}, {smtp::PathArgument{dsn.recipient, {}}},
                           dsn.content};
  Reply reply = co_await delivery->send_generated(message);
  co_await delivery->quit();
  co_return reply;
}

boost::asio::awaitable<void> release_to_customer(GatewayContext& context, MailStream stream,
                                                 std::string already_read, Reversal reversal,
                                                 TransactionIds& ids) {
  const ProxyConfig& config = context.config;
  const OdmrSettings& settings = *config.odmr;
  queue::HoldStore& store = *context.odmr->store;
  const std::string peer = stream.peer();
  std::string domains;
  for (const std::string& domain : reversal.domains) domains += (domains.empty() ? "" : ",") + domain;
  auto give_back = [&](std::size_t from) {
    for (std::size_t i = from; i < reversal.leased.size(); ++i) (void)store.release(reversal.leased[i], false);
  };

  // The customer is the server now; TLS, when there was TLS, carries over
  // (the stream is the same), so no STARTTLS of ours.
  Upstream customer;
  customer.address = peer;
  customer.port = 0;
  customer.starttls = UpstreamTls::off;
  customer.reply_timeout = settings.reply_timeout;
  std::string helo = config.hostname;
  auto adopted = co_await adopt_upstream(std::move(customer), nullptr, std::move(helo), std::move(stream),
                                         std::move(already_read));
  if (!adopted || adopted->greeting.code != 220) {
    const std::string cause = !adopted ? adopted.error() : "greeting " + adopted->greeting.text();
    log(LogLevel::warning, "odmr.reversal_failed",
        {{"peer", peer}, {"session", ids.session}, {"customer", reversal.customer}, {"cause", cause}});
    give_back(0);
    if (adopted) co_await adopted->delivery->quit();
    co_return;
  }
  Delivery& delivery = *adopted->delivery;
  const ServiceGroup* rescan =
      settings.release_service_group.empty() ? nullptr : config.find_group(settings.release_service_group);

  ReleaseCounts counts;
  for (std::size_t index = 0; index < reversal.leased.size(); ++index) {
    queue::HeldRecord& entry = reversal.leased[index];
    auto content = store.content(entry);
    if (!content) {
      log(LogLevel::error, "odmr.content_unreadable",
          {{"customer", reversal.customer}, {"entry", entry.id}, {"cause", content.error()}});
      (void)store.release(entry, false);
      continue;
    }
    // Not one conditional co_await expression: GCC 12 mishandles those.
    EntryOutcome outcome;
    if (rescan) {
      outcome = co_await rescan_entry(context, *rescan, delivery, ids, entry, *content);
    } else {
      outcome = co_await deliver_entry(delivery, entry, *content);
    }
    std::vector<queue::HeldRecipient> deferred;
    std::vector<smtp::DsnRecipient> failed;
    for (std::size_t i = 0; i < entry.recipients.size(); ++i) {
      const Reply& reply = outcome.recipients[i];
      if (reply.is_positive()) {
        ++counts.delivered;
      } else if (reply.code >= 500) {
        smtp::DsnRecipient recipient;
        recipient.address = entry.recipients[i].address;
        recipient.dsn_parameters = entry.recipients[i].dsn;
        recipient.action = smtp::DsnAction::failed;
        recipient.status = status_of(reply);
        recipient.diagnostic = diagnostic_of(reply);
        recipient.remote_mta = reversal.customer;
        failed.push_back(std::move(recipient));
      } else {
        deferred.push_back(entry.recipients[i]);
      }
    }
    if (!failed.empty()) {
      auto dsn = smtp::make_dsn(dsn_request(config, entry, failed, *content,
                                            "The customer's mail server refused the message."));
      bool bounced = true;
      if (dsn) {
        Reply sent = co_await send_dsn(context, *dsn);
        bounced = sent.is_positive();
        if (!bounced) {
          // The failure notice could not go: the recipients stay held, so
          // the next ATRN meets the refusal again and tries the DSN again.
          log(LogLevel::warning, "odmr.dsn_failed",
              {{"entry", entry.id}, {"sender", entry.sender}, {"reply", sent.text()}});
        }
      }
      for (const smtp::DsnRecipient& recipient : failed) {
        if (bounced) {
          ++counts.bounced;
        } else {
          deferred.push_back({recipient.address, recipient.dsn_parameters});
        }
      }
    }
    if (deferred.empty()) {
      if (auto acknowledged = store.acknowledge(entry); !acknowledged) {
        log(LogLevel::error, "odmr.acknowledge_failed",
            {{"entry", entry.id}, {"queue", store.describe()}, {"cause", acknowledged.error()}});
      }
    } else {
      counts.deferred += deferred.size();
      entry.recipients = std::move(deferred);
      if (auto released = store.release(entry, true); !released) {
        log(LogLevel::error, "odmr.release_failed",
            {{"entry", entry.id}, {"queue", store.describe()}, {"cause", released.error()}});
      }
    }
  }
  co_await delivery.quit();
  log(LogLevel::info, "odmr.released",
      {{"peer", peer},
       {"session", ids.session},
       {"customer", reversal.customer},
       {"domains", domains},
       {"entries", std::to_string(reversal.leased.size())},
       {"delivered", std::to_string(counts.delivered)},
       {"bounced", std::to_string(counts.bounced)},
       {"deferred", std::to_string(counts.deferred)}});
}

}  // namespace opes::proxy
