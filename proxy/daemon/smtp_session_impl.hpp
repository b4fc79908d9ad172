#pragma once
// SmtpSession, shared by smtp_session.cpp (the connection and the commands
// outside a mail transaction) and session_transaction.cpp (MAIL, RCPT, DATA
// and the message). Private to opes-proxy.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adaptation.hpp"
#include "gateway_context.hpp"
#include "message_flow.hpp"
#include "opes/processor/opes_mail_parameters.hpp"
#include "opes/processor/trace_entries.hpp"
#include "opes/processor/trace_notification.hpp"
#include "opes/proxy/delivery.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/smtp/offered_parameters.hpp"
#include "opes/smtp/server_core.hpp"
#include "smtp_auth.hpp"

namespace opes::proxy {

using ocp::smtp::Reply;

/// Whether the per-address limits leave this client alone (a relay client
/// while limits.exempt_relay_clients).
bool client_limits_exempt(const ProxyConfig& config, std::string_view peer_address);

class SmtpSession {
 public:
  SmtpSession(GatewayContext& context, MailStream stream, const Listener& listener);
  boost::asio::awaitable<void> run();

 private:
  /// One mail transaction, from MAIL to the reply after the final dot.
  struct MailTransaction {
    std::string id;  // session id "." number: Received id, trace session
    smtp::PathArgument mail;
    processor::OpesRequest request;
    std::vector<std::string> recipients;  // accepted by the upstream
    std::unique_ptr<Adaptation> adaptation;
    std::vector<processor::ServiceOutcome> outcomes;
    std::vector<processor::TraceEntry> services_run;
    /// The failure policy answered 451 once: every later command of the
    /// transaction gets it too (a message never passes half-adapted).
    bool tempfailed = false;
    bool upstream_mail_sent = false;
    std::unique_ptr<MessageFlow> flow;
    std::uint64_t size = 0;
    /// Counted against limits.max_transactions_per_client while it lasts.
    std::optional<ClientLimits::Lease> client_lease;
  };

  // smtp_session.cpp
  boost::asio::awaitable<void> handle(smtp::ServerEvent event);
  boost::asio::awaitable<void> on_command(const smtp::CommandReceived& command);
  boost::asio::awaitable<void> flush(bool all);
  boost::asio::awaitable<void> start_tls();
  /// RFC 3207 on a starttls listener with a certificate, before TLS; never
  /// on an implicit-TLS listener (RFC 8314 §3.3).
  bool starttls_offered() const;
  /// Implicit TLS (RFC 8314 §3.3): the handshake before the greeting.
  boost::asio::awaitable<bool> accept_implicit_tls();
  /// SMTP AUTH (smtp_auth.hpp): sends the step's reply, logs it, and ends
  /// the session once failures use up the bad-command budget.
  boost::asio::awaitable<void> answer_auth(SmtpAuth::Step step);
  void reply(const Reply& reply);
  Reply ehlo_answer(const std::string& argument) const;
  smtp::OfferedExtensions offered_extensions() const;
  Duration read_timeout() const;
  void log_error(std::string_view event, std::string_view cause);
  Delivery& delivery();
  /// Shutting down (SessionDrain): whether the session must end before it
  /// reads again, i.e. between transactions, or once the grace period is over.
  bool must_leave() const;
  /// The 421 4.3.2 of a shutdown, sent while no reply is due.
  boost::asio::awaitable<void> say_shutting_down();

  // session_transaction.cpp
  boost::asio::awaitable<Reply> on_mail(const smtp::PathArgument& path);
  boost::asio::awaitable<Reply> on_rcpt(const smtp::PathArgument& path);
  boost::asio::awaitable<Reply> on_data();
  boost::asio::awaitable<Reply> on_data_end(const smtp::DataEnd& end);
  boost::asio::awaitable<std::optional<Reply>> ask_callout(const ocp::smtp::AmPart& part,
                                                           std::string payload,
                                                           smtp::PathArgument* changed,
                                                           smtp::PathRole role);
  boost::asio::awaitable<Reply> deliver(processor::SpillBuffer& output);
  boost::asio::awaitable<void> send_trace_notification(
      const std::string& header_section, const std::string& sender,
      const std::vector<processor::ServiceOutcome>& outcomes, const std::string& id);
  Reply quarantine(processor::SpillBuffer& output);
  /// The failure policy after `reason`: the reply to give (tempfail), or
  /// nullopt when the message goes on unadapted (pass).
  std::optional<Reply> adaptation_failed(std::string_view stage, std::string_view reason);
  /// Who the client is, for XCLIENT/XFORWARD (upstream.forward_client).
  smtp::ForwardedClient forwarded_client() const;
  std::vector<ocp::smtp::AmOption> session_meta() const;
  processor::HeaderInsertion header_insertion() const;
  /// RSET, QUIT, EHLO, a lost client: the transaction's OCP transaction ends
  /// (smtp §3.2.1) and the upstream forgets the transaction.
  boost::asio::awaitable<void> end_transaction(bool client_gone);
  /// smtp.message; `service` names who refused (empty: nobody named).
  void log_message(const Reply& reply, std::string_view outcome, std::string_view service = {});

  GatewayContext& context_;
  const ProxyConfig& config_;
  MailStream stream_;
  const Listener& listener_;
  const ServiceGroup& group_;
  smtp::ServerCore core_;
  std::string session_id_;
  std::unique_ptr<Delivery> delivery_;
  std::string helo_;
  bool esmtp_ = false;
  SmtpAuth auth_;
  std::size_t auth_failures_ = 0;
  bool in_data_ = false;
  bool closing_ = false;
  unsigned transactions_ = 0;
  std::optional<MailTransaction> transaction_;
  std::chrono::steady_clock::time_point session_deadline_;
  bool reading_ = false;  // waiting in read_some: a shutdown may cancel it
  SessionDrain::Registration drain_registration_;
};

}  // namespace opes::proxy
