#include "opes/sasl/server_exchange.hpp"

#include <array>

#include "ocp/smtp/ascii.hpp"

namespace opes::sasl {

namespace {

using ocp::smtp::ascii::iequals;

Outcome challenge(std::string text) {
  Outcome outcome;
  outcome.kind = Outcome::Kind::challenge;
  outcome.challenge = std::move(text);
  return outcome;
}

Outcome malformed(std::string cause) {
  Outcome outcome;
  outcome.kind = Outcome::Kind::malformed;
  outcome.cause = std::move(cause);
  return outcome;
}

Outcome rejected(std::string_view user, std::string cause) {
  Outcome outcome;
  outcome.kind = Outcome::Kind::rejected;
  outcome.user = std::string(user);
  outcome.cause = std::move(cause);
  return outcome;
}

Outcome accepted(std::string_view user) {
  Outcome outcome;
  outcome.kind = Outcome::Kind::accepted;
  outcome.user = std::string(user);
  return outcome;
}

/// Compared against when the user does not exist, so that the answer takes
/// as long for an unknown user as for a wrong password.
const HmacMd5Contexts& dummy_contexts() {
  static const HmacMd5Contexts dummy = hmac_md5_contexts("opes-sasl: no such user");
  return dummy;
}

bool has_nul(std::string_view text) noexcept { return text.find('\0') != std::string_view::npos; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<Mechanism> mechanism_named(std::string_view name) noexcept {
  if (iequals(name, "PLAIN")) return Mechanism::plain;
  if (iequals(name, "LOGIN")) return Mechanism::login;
  if (iequals(name, "CRAM-MD5")) return Mechanism::cram_md5;
  return std::nullopt;
}

std::string_view name_of(Mechanism mechanism) noexcept {
  switch (mechanism) {
    case Mechanism::plain: return "PLAIN";
    case Mechanism::login: return "LOGIN";
    case Mechanism::cram_md5: return "CRAM-MD5";
  }
  return "?";
}

bool sends_password(Mechanism mechanism) noexcept { return mechanism != Mechanism::cram_md5; }

ServerExchange::ServerExchange(Mechanism mechanism, const Credentials& credentials,
                               ChallengeSource source, ExchangeLimits limits)
    : mechanism_(mechanism), credentials_(credentials), source_(std::move(source)), limits_(limits) {}

Outcome ServerExchange::start(std::optional<std::string_view> initial) {
  switch (mechanism_) {
    case Mechanism::plain:
      // RFC 4616 §2 is client-first: without an initial response the server
      // sends an empty challenge (RFC 4954 §4).
      return initial ? plain(*initial) : challenge("");
    case Mechanism::login:
      if (initial) return login(*initial);
      return challenge("Username:");
    case Mechanism::cram_md5:
      // RFC 2195 §2 is server-first: an initial response breaks the mechanism
      // (RFC 4422 §3.3).
      if (initial) {
        done_ = true;
        return malformed("CRAM-MD5 takes no initial response");
      }
      challenge_ = "<" + std::to_string(source_.random()) + "." + std::to_string(source_.now()) + "@" +
                   source_.hostname + ">";
      return challenge(challenge_);
  }
  return malformed("unknown mechanism");
}

Outcome ServerExchange::step(std::string_view response) {
  if (done_) return malformed("the exchange is over");
  switch (mechanism_) {
    case Mechanism::plain: return plain(response);
    case Mechanism::login: return login(response);
    case Mechanism::cram_md5: return cram_md5(response);
  }
  return malformed("unknown mechanism");
}

Outcome ServerExchange::plain(std::string_view message) {
  done_ = true;
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
  const auto first = message.find('\0');
  const auto second = first == std::string_view::npos ? first : message.find('\0', first + 1);
  if (second == std::string_view::npos) return malformed("PLAIN needs authzid NUL authcid NUL passwd");
  const std::string_view authzid = message.substr(0, first);
  const std::string_view authcid = message.substr(first + 1, second - first - 1);
  const std::string_view password = message.substr(second + 1);
  if (authcid.empty() || password.empty() || has_nul(password))
    return malformed("PLAIN needs a non-empty authcid and passwd");
  if (authzid.size() > limits_.max_field || authcid.size() > limits_.max_field ||
      password.size() > limits_.max_field)
    return malformed("a PLAIN field is longer than 255 octets");
  // RFC 4616 §2: acting as someone else needs that right; nobody has it here.
  if (!authzid.empty() && authzid != authcid) {
    Outcome refused = check_password(authcid, password);
    if (refused.kind == Outcome::Kind::accepted)
      return rejected(authcid, "may not act as '" + std::string(authzid) + "'");
    return refused;
  }
  return check_password(authcid, password);
}

Outcome ServerExchange::login(std::string_view response) {
  if (!has_login_user_) {
    if (response.empty() || response.size() > limits_.max_field || has_nul(response)) {
      done_ = true;
      return malformed("LOGIN needs a user name of 1 to 255 octets");
    }
    login_user_ = std::string(response);
    has_login_user_ = true;
    return challenge("Password:");
  }
  done_ = true;
  if (response.empty() || response.size() > limits_.max_field || has_nul(response))
    return malformed("LOGIN needs a password of 1 to 255 octets");
  return check_password(login_user_, response);
}

Outcome ServerExchange::cram_md5(std::string_view response) {
  done_ = true;
  // RFC 2195 §2: the user name, a space, then the digest in lower-case hex;
  // the name may itself hold spaces, so the last one separates.
  const auto space = response.rfind(' ');
  if (space == std::string_view::npos || space == 0) return malformed("CRAM-MD5 needs 'user digest'");
  const std::string_view user = response.substr(0, space);
  const std::string_view hex = response.substr(space + 1);
  if (user.size() > limits_.max_field || has_nul(user)) return malformed("the CRAM-MD5 user name is too long");
  Md5Digest received{};
  if (hex.size() != 32) return malformed("the CRAM-MD5 digest is not 32 hex digits");
  for (std::size_t i = 0; i < 16; ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return malformed("the CRAM-MD5 digest is not lower-case hex");
    received[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  const HmacMd5Contexts* stored = credentials_.find(user);
  const Md5Digest expected = hmac_md5(stored ? *stored : dummy_contexts(), challenge_);
  const bool same = same_digest(expected, received);
  if (!stored) return rejected(user, "no such user");
  if (!same) return rejected(user, "wrong digest");
  return accepted(user);
}

Outcome ServerExchange::check_password(std::string_view user, std::string_view password) {
  const HmacMd5Contexts* stored = credentials_.find(user);
  // The same work whether or not the user exists: the password's contexts
  // against the stored ones (or a dummy's), in constant time.
  const HmacMd5Contexts given = hmac_md5_contexts(password);
  const bool same = same_contexts(stored ? *stored : dummy_contexts(), given);
  if (!stored) return rejected(user, "no such user");
  if (!same) return rejected(user, "wrong password");
  return accepted(user);
}

}  // namespace opes::sasl
