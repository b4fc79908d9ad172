// MD5 here is OpenSSL's low-level MD5_* API, deprecated in OpenSSL 3 but
// present: it is the only OpenSSL interface whose state (MD5_CTX A..D, Nl,
// Nh) can be set, which resuming from a stored context needs. EVP_MD_CTX
// cannot import a raw state, and a local MD5 compression would be more code
// to get wrong for the same result. If a later OpenSSL drops MD5_*, this file
// alone needs an MD5 compression function (RFC 1321 §3.4).
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "opes/sasl/hmac_md5.hpp"

#include <openssl/crypto.h>
#include <openssl/md5.h>

#include <cstring>

namespace opes::sasl {

namespace {

constexpr std::size_t block = 64;

Md5State state_after_block(const unsigned char (&pad)[block]) {
  MD5_CTX ctx;
  MD5_Init(&ctx);
  MD5_Update(&ctx, pad, block);
  return Md5State{ctx.A, ctx.B, ctx.C, ctx.D};
}

/// MD5 resumed after one 64-octet block, then `message`.
Md5Digest finish(const Md5State& state, const void* message, std::size_t size) {
  MD5_CTX ctx;
  MD5_Init(&ctx);
  ctx.A = state[0];
  ctx.B = state[1];
  ctx.C = state[2];
  ctx.D = state[3];
  ctx.Nl = block * 8;  // the length so far, in bits (RFC 1321 §3.2)
  ctx.Nh = 0;
  ctx.num = 0;
  MD5_Update(&ctx, message, size);
  Md5Digest digest{};
  MD5_Final(digest.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  return digest;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HmacMd5Contexts hmac_md5_contexts(std::string_view secret) {
  unsigned char key[block] = {};
  if (secret.size() > block) {
    MD5(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), key);
  } else {
    std::memcpy(key, secret.data(), secret.size());
  }
  unsigned char ipad[block];
  unsigned char opad[block];
  for (std::size_t i = 0; i < block; ++i) {
    ipad[i] = static_cast<unsigned char>(key[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(key[i] ^ 0x5c);
  }
  HmacMd5Contexts contexts{state_after_block(ipad), state_after_block(opad)};
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(ipad, sizeof ipad);
  OPENSSL_cleanse(opad, sizeof opad);
  return contexts;
}

Md5Digest hmac_md5(const HmacMd5Contexts& contexts, std::string_view message) {
  const Md5Digest inner = finish(contexts.inner, message.data(), message.size());
  return finish(contexts.outer, inner.data(), inner.size());
}

std::optional<HmacMd5Contexts> parse_dovecot_cram_md5(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  std::uint8_t octets[32];
  for (std::size_t i = 0; i < 32; ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    octets[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  auto word = [&](std::size_t index) {
    const std::uint8_t* p = octets + 4 * index;
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
  };
  HmacMd5Contexts contexts;
  for (std::size_t i = 0; i < 4; ++i) {
    contexts.outer[i] = word(i);
    contexts.inner[i] = word(4 + i);
  }
  return contexts;
}

std::string format_dovecot_cram_md5(const HmacMd5Contexts& contexts) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  auto put = [&](std::uint32_t word) {
    for (int shift = 0; shift < 32; shift += 8) {
      const auto octet = static_cast<std::uint8_t>(word >> shift);
      hex += digits[octet >> 4];
      hex += digits[octet & 15];
    }
  };
  for (std::uint32_t word : contexts.outer) put(word);
  for (std::uint32_t word : contexts.inner) put(word);
  return hex;
}

std::string to_hex(const Md5Digest& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t octet : digest) {
    hex += digits[octet >> 4];
    hex += digits[octet & 15];
  }
  return hex;
}

bool same_contexts(const HmacMd5Contexts& a, const HmacMd5Contexts& b) noexcept {
  // Both halves compared, whatever the first gives (no early exit).
  const int inner = CRYPTO_memcmp(a.inner.data(), b.inner.data(), sizeof a.inner);
  const int outer = CRYPTO_memcmp(a.outer.data(), b.outer.data(), sizeof a.outer);
  return (inner | outer) == 0;
}

bool same_digest(const Md5Digest& a, const Md5Digest& b) noexcept {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace opes::sasl
