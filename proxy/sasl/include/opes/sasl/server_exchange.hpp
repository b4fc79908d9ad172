#pragma once
// One SASL authentication on the server side (RFC 4422 §3), free of I/O:
// the caller decodes the client's base64 (base64.hpp), gives the octets to
// the exchange and sends back what it answers. SMTP AUTH (RFC 4954) wraps it
// in 334 / 235 / 535 replies; the exchange knows nothing of SMTP.
//
//   CRAM-MD5 (RFC 2195): server first; challenge `<random.timestamp@host>`,
//     response `user SP 32 lower-case hex digits of HMAC-MD5(secret, challenge)`.
//   PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`, with or without an
//     initial response (an empty challenge first).
//   LOGIN (draft-murchison-sasl-login-00): "Username:", then "Password:";
//     an initial response is the user name.
// Passwords and digests are compared in constant time (CRYPTO_memcmp), and an
// unknown user costs the same work as a known one.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "opes/sasl/credentials.hpp"

namespace opes::sasl {

enum class Mechanism { plain, login, cram_md5 };

/// Case-insensitive (RFC 4422 §3.1 names; SMTP keywords are case-insensitive).
std::optional<Mechanism> mechanism_named(std::string_view name) noexcept;
std::string_view name_of(Mechanism mechanism) noexcept;
/// PLAIN and LOGIN send the password itself: only under TLS (RFC 4616 §6,
/// RFC 4954 §4 538 5.7.11).
bool sends_password(Mechanism mechanism) noexcept;

/// What a CRAM-MD5 challenge is made of; injected so that tests are exact.
struct ChallengeSource {
  std::function<std::uint64_t()> random;  // unpredictable per challenge (RFC 2195 §2)
  std::function<std::int64_t()> now;      // seconds, the challenge's timestamp
  std::string hostname;                   // the challenge's domain
};

/// OpenSSL's RAND_bytes and the system clock.
ChallengeSource system_challenge_source(std::string hostname);

struct Outcome {
  enum class Kind {
    challenge,  // send `challenge` and wait for the next response
    accepted,   // `user` is authenticated
    rejected,   // wrong user or password (`user`: the name tried, may be empty)
    malformed,  // the response does not follow the mechanism
  };
  Kind kind = Kind::malformed;
  std::string challenge;  // octets, before base64
  std::string user;
  std::string cause;  // rejected, malformed: for logs, never the secret
};

struct ExchangeLimits {
  std::size_t max_field = 255;  // RFC 4616 §2: authzid, authcid and passwd
};

class ServerExchange {
 public:
  ServerExchange(Mechanism mechanism, const Credentials& credentials, ChallengeSource source,
                 ExchangeLimits limits = {});
  /// The first step; `initial` is the initial response of RFC 4954 §4 (decoded; "" for "=").
  Outcome start(std::optional<std::string_view> initial);
  /// Each further response, after a challenge.
  Outcome step(std::string_view response);
  Mechanism mechanism() const noexcept { return mechanism_; }

 private:
  Outcome plain(std::string_view message);
  Outcome login(std::string_view response);
  Outcome cram_md5(std::string_view response);
  /// Constant time; a missing user is compared against a dummy.
  Outcome check_password(std::string_view user, std::string_view password);

  Mechanism mechanism_;
  const Credentials& credentials_;
  ChallengeSource source_;
  ExchangeLimits limits_;
  std::string challenge_;   // CRAM-MD5: the one sent
  std::string login_user_;  // LOGIN: the name before the password
  bool has_login_user_ = false;
  bool done_ = false;
};

}  // namespace opes::sasl
