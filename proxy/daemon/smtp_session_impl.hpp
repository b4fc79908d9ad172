#pragma once
// SmtpSession: the SMTP front-end of the mail transaction library. It
// drives the protocol core (opes::smtp::ServerCore) over the client's
// stream, keeps the facts about the client (Origin), and hands MAIL, RCPT,
// DATA and the message to a MailTransaction, whose replies it sends.
// Private to opes-proxy.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway_context.hpp"
#include "opes/proxy/delivery.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/smtp/offered_parameters.hpp"
#include "opes/smtp/server_core.hpp"
#include "opes/transaction/mail_transaction.hpp"
#include "odmr_release.hpp"
#include "smtp_auth.hpp"

namespace opes::proxy {

using ocp::smtp::Reply;

/// What the connection tells of the client before it says anything.
Origin connection_origin(const MailStream& stream);
/// ODMR's states as a command table (session_odmr.cpp).
smtp::CommandTable odmr_commands();

class SmtpSession {
 public:
  SmtpSession(GatewayContext& context, MailStream stream, const Listener& listener);
  boost::asio::awaitable<void> run();

 private:
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
  // session_host.cpp
  bool host_enabled() const;
  /// The reply to a command that needs a server named first (host: required).
  Reply host_required_first() const;
  /// On a HOST listener: a short wait for a client that speaks first (the
  /// draft's order), which then gets no greeting of ours before HOST's
  /// reply; otherwise, and on other listeners, the greeting.
  boost::asio::awaitable<void> greet_or_take_host();
  boost::asio::awaitable<void> on_host(const smtp::Command& command);
  // session_odmr.cpp
  Reply odmr_ehlo_answer(const std::string& argument) const;
  /// ATRN (RFC 2645 §5.2.1): its checks, then the release of the core.
  boost::asio::awaitable<void> on_atrn(const smtp::Command& command);
  /// After the 250 to ATRN: the connection goes to the reversed delivery.
  boost::asio::awaitable<void> reverse();
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

  /// The facts about the client now, for a new transaction.
  Origin origin() const;
  /// MAIL: a new MailTransaction, kept when the reply opened it.
  boost::asio::awaitable<Reply> on_mail(const smtp::PathArgument& path);
  /// RSET, QUIT, EHLO, a lost client: the transaction ends.
  boost::asio::awaitable<void> end_transaction(bool client_gone);

  GatewayContext& context_;
  const ProxyConfig& config_;
  MailStream stream_;
  const Listener& listener_;
  const ServiceGroup* group_;  // the listener's, or the HOST rule's
  smtp::ServerCore core_;
  TransactionContext transaction_context_;
  TransactionIds transaction_ids_;
  std::unique_ptr<Delivery> delivery_;  // by route, or the HOST-named server
  bool host_named_ = false;
  bool host_window_closed_ = false;  // a MAIL was given: too late for HOST
  std::string helo_;
  bool esmtp_ = false;
  SmtpAuth auth_;
  std::size_t auth_failures_ = 0;
  bool in_data_ = false;
  bool closing_ = false;
  std::unique_ptr<MailTransaction> transaction_;
  std::chrono::steady_clock::time_point session_deadline_;
  bool reading_ = false;  // waiting in read_some: a shutdown may cancel it
  std::optional<Reversal> reversal_;  // ATRN answered 250: what to deliver
  bool handed_over_ = false;          // stream_ went to the reversed delivery
  SessionDrain::Registration drain_registration_;
};

}  // namespace opes::proxy
