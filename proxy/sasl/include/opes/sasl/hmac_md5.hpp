#pragma once
// HMAC-MD5 (RFC 2104) from precomputed contexts: the MD5 states after the
// key XOR ipad and the key XOR opad blocks. CRAM-MD5 (RFC 2195 §2) needs only
// these two states, never the secret, which is how Dovecot stores a
// `{CRAM-MD5}` password (src/lib/hmac-cram-md5.c); we read and write the
// same 64 hex digits, so `doveadm pw -s CRAM-MD5` output works here.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opes::sasl {

/// The four MD5 chaining words (RFC 1321 §3.3 A, B, C, D) after one block.
using Md5State = std::array<std::uint32_t, 4>;
using Md5Digest = std::array<std::uint8_t, 16>;

struct HmacMd5Contexts {
  Md5State inner{};  // after MD5(K XOR ipad)
  Md5State outer{};  // after MD5(K XOR opad)
};

/// RFC 2104 §2: a key longer than the 64-octet block is hashed first.
HmacMd5Contexts hmac_md5_contexts(std::string_view secret);

/// HMAC-MD5(secret, message) continued from the contexts.
Md5Digest hmac_md5(const HmacMd5Contexts& contexts, std::string_view message);

/// Dovecot's CRAM-MD5 scheme: 32 octets in hex, the outer A B C D then the
/// inner A B C D, each word little-endian. nullopt: not 64 hex digits.
std::optional<HmacMd5Contexts> parse_dovecot_cram_md5(std::string_view hex);
std::string format_dovecot_cram_md5(const HmacMd5Contexts& contexts);

/// Lower-case hex, as RFC 2195 §2 sends the digest.
std::string to_hex(const Md5Digest& digest);

/// Constant time (CRYPTO_memcmp): whether the two hold the same secret.
bool same_contexts(const HmacMd5Contexts& a, const HmacMd5Contexts& b) noexcept;
bool same_digest(const Md5Digest& a, const Md5Digest& b) noexcept;

}  // namespace opes::sasl
