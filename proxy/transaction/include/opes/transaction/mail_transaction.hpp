#pragma once
// One mail transaction, from MAIL to the reply after the final dot, apart
// from the protocol the client speaks: MAIL, RCPT and DATA each go through
// the callout server before the delivery sees them (draft-ietf-opes-smtp
// §3.1, §3.3), the message is handed on only once adapted, and every step
// answers with an SMTP reply as a value that the front-end (SMTP today;
// IMAP SUBMIT and ODMR's re-scan later) maps to its own protocol.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ocp/smtp/reply.hpp"
#include "opes/processor/bypass_policy.hpp"
#include "opes/processor/opes_mail_parameters.hpp"
#include "opes/processor/trace_entries.hpp"
#include "opes/processor/trace_notification.hpp"
#include "opes/proxy/client_limits.hpp"
#include "opes/proxy/config.hpp"
#include "opes/proxy/delivery.hpp"
#include "opes/smtp/path_argument.hpp"
#include "opes/smtp/server_events.hpp"
#include "opes/transaction/callout_transaction.hpp"
#include "opes/transaction/message_flow.hpp"
#include "opes/transaction/origin.hpp"

namespace opes::proxy {

/// What the transactions of one configuration (one daemon thread) share.
struct TransactionContext {
  const ProxyConfig& config;
  CalloutSource& callout;
  const processor::TraceEntries& trace;
  ClientLimits& client_limits;  // all threads' per-address counts
};

/// Names a session's transactions "SESSION.1", "SESSION.2", ...: the
/// Received id and the trace session (draft §4.1).
struct TransactionIds {
  std::string session;
  unsigned issued = 0;
  std::string next() { return session + "." + std::to_string(++issued); }
};

/// Whether the per-address limits leave this client alone (a relay client
/// while limits.exempt_relay_clients).
bool client_limits_exempt(const ProxyConfig& config, const Origin& origin);

class MailTransaction {
 public:
  /// `origin` as it is at MAIL; `delivery` and `ids` outlive the transaction.
  MailTransaction(const TransactionContext& context, Origin origin, const ServiceGroup& group,
                  Delivery& delivery, TransactionIds& ids);
  ~MailTransaction();
  MailTransaction(const MailTransaction&) = delete;
  MailTransaction& operator=(const MailTransaction&) = delete;

  /// MAIL: the client-limit lease, the bypass decision, the callout
  /// transaction, the informative IP/HELO parts, MAIL itself, then the
  /// delivery's MAIL. Unless the reply is 2xx the transaction never opened
  /// (open() is false) and the front-end drops it.
  boost::asio::awaitable<ocp::smtp::Reply> mail(const smtp::PathArgument& path);
  bool open() const { return opened_; }
  /// RCPT: the relay decision, the callout server, then the delivery.
  boost::asio::awaitable<ocp::smtp::Reply> rcpt(const smtp::PathArgument& path);
  /// DATA: 354 when content may follow, else the refusal.
  boost::asio::awaitable<ocp::smtp::Reply> data();
  /// The next chunk of content (dot-unstuffed, CRLF).
  boost::asio::awaitable<void> content(std::string_view chunk);
  /// The final dot (or the refusal the protocol core found): the outcome,
  /// the delivery, quarantine or discard, and the opestrace notification.
  /// The transaction is over afterwards.
  boost::asio::awaitable<ocp::smtp::Reply> data_end(const smtp::DataEnd& end);
  /// smtp §3.1: VRFY and EXPN are parts of their own, carried by the open
  /// OCP transaction; nullopt when there is none to ask.
  boost::asio::awaitable<std::optional<ocp::smtp::Reply>> verify(const ocp::smtp::AmPart& part,
                                                                 std::string argument);
  /// RSET, QUIT, EHLO (`client_gone` false: TE 200) or a lost client (TE
  /// 400): the OCP transaction ends (smtp §3.2.1) and the delivery forgets
  /// the transaction.
  boost::asio::awaitable<void> end(bool client_gone);

  const std::string& id() const { return id_; }
  const Origin& origin() const { return origin_; }
  /// The recipients the delivery accepted.
  const std::vector<std::string>& recipients() const { return recipients_; }

 private:
  boost::asio::awaitable<std::optional<ocp::smtp::Reply>> ask_callout(const ocp::smtp::AmPart& part,
                                                                      std::string payload,
                                                                      smtp::PathArgument* changed,
                                                                      smtp::PathRole role);
  /// The callout transaction for the services not bypassed; the refusal
  /// when the failure policy says tempfail.
  boost::asio::awaitable<std::optional<ocp::smtp::Reply>> begin_adaptation(
      const std::vector<processor::GroupService>& services, std::vector<std::string> uris);
  /// `output` through `delivery`: DATA, the content, the final dot.
  boost::asio::awaitable<ocp::smtp::Reply> deliver(Delivery& delivery,
                                                   processor::SpillBuffer& output);
  /// The failure policy after `reason`: the reply to give (tempfail), or
  /// nullopt when the message goes on unadapted (pass).
  std::optional<ocp::smtp::Reply> adaptation_failed(std::string_view stage,
                                                    std::string_view reason);
  boost::asio::awaitable<ocp::smtp::Reply> quarantine(processor::SpillBuffer& output);
  boost::asio::awaitable<void> send_trace_notification(
      const std::string& header_section, const std::string& sender,
      const std::vector<processor::ServiceOutcome>& outcomes);
  std::vector<ocp::smtp::AmOption> session_meta() const;
  smtp::ForwardedClient forwarded_client() const;
  processor::HeaderInsertion header_insertion() const;
  void log_message(const ocp::smtp::Reply& reply, std::string_view outcome,
                   std::string_view service = {});
  /// A local failure, with peer, session, transaction (`in_transaction`) and cause.
  void log_error(std::string_view event, std::string_view cause, bool in_transaction = true);

  const TransactionContext& context_;
  const ProxyConfig& config_;
  Origin origin_;
  const ServiceGroup& group_;
  Delivery& delivery_;
  TransactionIds& ids_;
  std::string id_;
  smtp::PathArgument mail_;
  processor::OpesRequest request_;
  std::vector<std::string> recipients_;  // accepted by the delivery
  /// What each recipient was accepted as (the callout server may change
  /// it), for the quarantine's envelope.
  std::vector<smtp::PathArgument> recipient_arguments_;
  std::unique_ptr<CalloutTransaction> adaptation_;
  std::vector<processor::ServiceOutcome> outcomes_;
  std::vector<processor::TraceEntry> services_run_;
  /// The failure policy answered 451 once: every later command of the
  /// transaction gets it too (a message never passes half-adapted).
  bool tempfailed_ = false;
  bool upstream_mail_sent_ = false;
  bool opened_ = false;
  std::unique_ptr<MessageFlow> flow_;
  std::uint64_t size_ = 0;
  /// Counted against limits.max_transactions_per_client while it lasts.
  std::optional<ClientLimits::Lease> client_lease_;
};

}  // namespace opes::proxy
