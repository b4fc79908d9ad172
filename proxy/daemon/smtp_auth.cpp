#include "smtp_auth.hpp"

#include <algorithm>

#include "opes/sasl/base64.hpp"

namespace opes::proxy {

namespace {

using ocp::smtp::Reply;
using Result = SmtpAuth::Step::Result;

SmtpAuth::Step refused(std::uint16_t code, std::string text, std::string cause,
                       std::string mechanism = {}) {
  return SmtpAuth::Step{Reply::line(code, std::move(text)), Result::refused, std::move(mechanism), {},
                        std::move(cause)};
}

}  // namespace

SmtpAuth::SmtpAuth(const ListenerAuth* auth, sasl::ChallengeSource source)
    : auth_(auth), source_(std::move(source)) {}

bool SmtpAuth::allowed(sasl::Mechanism mechanism, bool tls) const {
  return std::find(auth_->mechanisms.begin(), auth_->mechanisms.end(), mechanism) != auth_->mechanisms.end() &&
         (tls || !sasl::sends_password(mechanism));
}

std::optional<std::string> SmtpAuth::ehlo_keyword(bool tls) const {
  if (!auth_) return std::nullopt;
  std::string keyword = "AUTH";
  for (sasl::Mechanism mechanism : auth_->mechanisms)
    if (allowed(mechanism, tls)) keyword += " " + std::string(sasl::name_of(mechanism));
  if (keyword == "AUTH") return std::nullopt;
  return keyword;
}

SmtpAuth::Step SmtpAuth::command(std::string_view argument, const SessionFacts& facts) {
  if (!auth_) return refused(502, "5.5.1 AUTH not available here", "not offered on this listener");
  // RFC 4954 §4: AUTH needs EHLO, is not allowed in a transaction, and
  // "After a successful AUTH command completes, a server MUST reject any
  // further AUTH commands with a 503 reply."
  if (!facts.ehlo) return refused(503, "5.5.1 Send EHLO first", "AUTH before EHLO");
  if (!user_.empty()) return refused(503, "5.5.1 Already authenticated", "AUTH after AUTH");
  if (facts.in_transaction) return refused(503, "5.5.1 AUTH not allowed in a mail transaction", "AUTH after MAIL");
  // RFC 4954 §4: AUTH mechanism [initial-response]
  if (argument.empty()) return refused(501, "5.5.4 Syntax: AUTH mechanism [initial-response]", "no mechanism");
  const auto space = argument.find(' ');
  const std::string_view name = argument.substr(0, space);
  const std::optional<std::string_view> initial =
      space == std::string_view::npos ? std::nullopt : std::optional(argument.substr(space + 1));
  const auto mechanism = sasl::mechanism_named(name);
  if (!mechanism || std::find(auth_->mechanisms.begin(), auth_->mechanisms.end(), *mechanism) ==
                        auth_->mechanisms.end())
    return refused(504, "5.5.4 Unrecognized authentication type", "mechanism not offered", std::string(name));
  const std::string mechanism_name(sasl::name_of(*mechanism));
  if (!allowed(*mechanism, facts.tls))
    return refused(538, "5.7.11 Encryption required for requested authentication mechanism",
                   "plaintext mechanism without TLS", mechanism_name);
  std::optional<std::string> decoded;
  if (initial) {
    // RFC 4954 §4: "=" is an initial response of zero length.
    decoded = *initial == "=" ? std::optional<std::string>("") : sasl::base64_decode(*initial);
    if (!decoded) return refused(501, "5.5.2 Cannot decode response", "initial response is not base64", mechanism_name);
  }
  exchange_.emplace(*mechanism, *auth_->credentials, source_);
  const std::optional<std::string_view> first =
      decoded ? std::optional<std::string_view>(*decoded) : std::nullopt;
  return answer(exchange_->start(first));
}

SmtpAuth::Step SmtpAuth::continuation(std::string_view line) {
  if (!exchange_) return refused(501, "5.5.2 No exchange in progress", "continuation line without AUTH");
  const std::string mechanism(sasl::name_of(exchange_->mechanism()));
  if (line == "*") {
    // RFC 4954 §4: the client cancels; 501.
    exchange_.reset();
    return refused(501, "5.0.0 Authentication cancelled", "cancelled by the client", mechanism);
  }
  const auto decoded = sasl::base64_decode(line);
  if (!decoded) {
    exchange_.reset();
    return refused(501, "5.5.2 Cannot decode response", "response is not base64", mechanism);
  }
  return answer(exchange_->step(*decoded));
}

SmtpAuth::Step SmtpAuth::answer(const sasl::Outcome& outcome) {
  const std::string mechanism(sasl::name_of(exchange_->mechanism()));
  switch (outcome.kind) {
    case sasl::Outcome::Kind::challenge:
      return Step{Reply::line(334, sasl::base64_encode(outcome.challenge)), Result::challenge, mechanism, {}, {}};
    case sasl::Outcome::Kind::accepted:
      exchange_.reset();
      user_ = outcome.user;
      return Step{Reply::line(235, "2.7.0 Authentication successful"), Result::accepted, mechanism,
                  outcome.user, {}};
    case sasl::Outcome::Kind::rejected:
      exchange_.reset();
      return Step{Reply::line(535, "5.7.8 Authentication credentials invalid"), Result::failed, mechanism,
                  outcome.user, outcome.cause};
    case sasl::Outcome::Kind::malformed:
      break;
  }
  exchange_.reset();
  return refused(501, "5.5.2 Invalid authentication response", outcome.cause, mechanism);
}

void SmtpAuth::forget() noexcept {
  exchange_.reset();
  user_.clear();
}

}  // namespace opes::proxy
