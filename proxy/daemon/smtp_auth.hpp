#pragma once
// The SMTP AUTH dialogue of one session (RFC 4954), free of I/O: the AUTH
// command and its continuation lines in, the replies out, with the SASL
// exchange of opes/sasl doing the mechanism. The session sends the replies,
// logs, and counts failures against its bad-command budget.
//
//   AUTH without an auth block on the listener   502 5.5.1 (as before)
//   AUTH before EHLO, during a transaction, or once authenticated
//                                                503 5.5.1 (RFC 4954 §4)
//   AUTH without a mechanism                     501 5.5.4
//   an unknown or unoffered mechanism            504 5.5.4 (§6)
//   PLAIN or LOGIN without TLS                   538 5.7.11 (§6, RFC 4616 §6)
//   a challenge                                  334 base64 (§4)
//   "*"                                          501 5.0.0 cancelled (§4)
//   a response that is not base64                501 5.5.2 (§4)
//   a response that breaks the mechanism         501 5.5.2
//   success                                      235 2.7.0 (§6)
//   wrong user or password                       535 5.7.8 (§6)

#include <optional>
#include <string>
#include <string_view>

#include "ocp/smtp/reply.hpp"
#include "opes/proxy/config.hpp"
#include "opes/sasl/server_exchange.hpp"

namespace opes::proxy {

class SmtpAuth {
 public:
  /// `auth`: the listener's (null: AUTH is not offered); it and its
  /// credentials outlive the session (the session holds its configuration).
  SmtpAuth(const ListenerAuth* auth, sasl::ChallengeSource source);

  struct Step {
    enum class Result {
      challenge,  // 334: the next line is a continuation line
      accepted,   // 235: user() is set
      failed,     // 535: wrong credentials; counts against the budget
      refused,    // any other reply: the command or response was wrong
    };
    ocp::smtp::Reply reply;
    Result result = Result::refused;
    std::string mechanism;  // for logs
    std::string user;       // the name tried or accepted, for logs (never the secret)
    std::string cause;      // failed, refused: for logs
  };

  struct SessionFacts {
    bool tls = false;
    bool ehlo = false;  // greeted with EHLO (not HELO, not yet)
    bool in_transaction = false;
  };

  /// The EHLO keyword ("AUTH CRAM-MD5 PLAIN LOGIN", RFC 4954 §3), nullopt
  /// when nothing can be offered: PLAIN and LOGIN appear only under TLS.
  std::optional<std::string> ehlo_keyword(bool tls) const;

  Step command(std::string_view argument, const SessionFacts& facts);
  Step continuation(std::string_view line);

  bool offered() const noexcept { return auth_ != nullptr; }
  /// Whether MAIL needs AUTH first (auth.required).
  bool required() const noexcept { return auth_ && auth_->required; }
  /// The authenticated identity; empty: not authenticated.
  const std::string& user() const noexcept { return user_; }
  /// RFC 3207 §4.2: after STARTTLS the session knows nothing of before.
  void forget() noexcept;

 private:
  Step answer(const sasl::Outcome& outcome);
  bool allowed(sasl::Mechanism mechanism, bool tls) const;

  const ListenerAuth* auth_;
  sasl::ChallengeSource source_;
  std::optional<sasl::ServerExchange> exchange_;
  std::string user_;
};

}  // namespace opes::proxy
