// SmtpSession's TLS-first listeners and SMTP AUTH (RFC 8314, RFC 4954): the
// dialogue itself is SmtpAuth's (smtp_auth.hpp); here are its replies, its
// log lines.
#include "opes/support/log.hpp"
#include "smtp_session_impl.hpp"

namespace opes::proxy {

using support::log;
using support::LogLevel;

bool SmtpSession::starttls_offered() const {
  return listener_.tls == ListenerTls::starttls && context_.server_tls && !stream_.tls();
}

boost::asio::awaitable<bool> SmtpSession::accept_implicit_tls() {
  try {
    co_await stream_.accept_tls(*context_.server_tls, config_.timeouts.tls_handshake);
  } catch (const boost::system::system_error& error) {
    // No greeting was sent: there is nobody to tell in plain text.
    log_error("smtp.tls_failed", "implicit TLS handshake: " + error.code().message());
    co_return false;
  }
  log(LogLevel::debug, "smtp.tls",
      {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"cipher", stream_.tls_description()}});
  co_return true;
}

boost::asio::awaitable<void> SmtpSession::answer_auth(SmtpAuth::Step step) {
  using Result = SmtpAuth::Step::Result;
  reply(step.reply);
  switch (step.result) {
    case Result::challenge:
      co_return;
    case Result::accepted:
      log(LogLevel::info, "smtp.auth",
          {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"mechanism", step.mechanism},
           {"user", step.user}});
      co_return;
    case Result::refused:
      // 5xx replies other than 535 the core counts itself (500-504).
      log(LogLevel::info, "smtp.auth_refused",
          {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"mechanism", step.mechanism},
           {"code", std::to_string(step.reply.code)}, {"cause", step.cause}});
      co_return;
    case Result::failed:
      break;
  }
  // Wrong credentials: logged with who tried and why, never the secret.
  // The core counts each 535 as a bad command (Postfix's
  // smtpd_hard_error_limit counts them too) and ends the session at the
  // budget, so that one connection cannot guess passwords without end.
  ++auth_failures_;
  log(LogLevel::warning, "smtp.auth_failed",
      {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"mechanism", step.mechanism},
       {"user", step.user}, {"cause", step.cause},
       {"failures", std::to_string(auth_failures_)}});
}

}  // namespace opes::proxy
