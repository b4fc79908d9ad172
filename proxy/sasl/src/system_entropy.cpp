// The production ChallengeSource: the only part of opes_sasl that asks the
// system for anything.
#include <openssl/rand.h>

#include <chrono>
#include <cstring>

#include "opes/sasl/server_exchange.hpp"

namespace opes::sasl {

ChallengeSource system_challenge_source(std::string hostname) {
  ChallengeSource source;
  source.random = [] {
    unsigned char octets[8] = {};
    // RAND_bytes fails only without entropy. What RFC 2195 §2 needs most is
    // a challenge never used before (a recorded response cannot be replayed),
    // which the monotonic clock's ticks still give.
    if (RAND_bytes(octets, sizeof octets) != 1) {
      const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
      std::memcpy(octets, &ticks, sizeof octets);
    }
    std::uint64_t value = 0;
    std::memcpy(&value, octets, sizeof value);
    return value;
  };
  source.now = [] {
    return static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
  };
  source.hostname = std::move(hostname);
  return source;
}

}  // namespace opes::sasl
