#include <doctest/doctest.h>

#include "opes/sasl/base64.hpp"
#include "opes/sasl/hmac_md5.hpp"

using namespace opes::sasl;

// RFC 2195 §2's example: tim, secret tanstaaftanstaaf, this challenge.
constexpr std::string_view rfc2195_challenge = "<1896.697170952@postoffice.reston.mci.net>";
// `doveadm pw -s CRAM-MD5 -p tanstaaftanstaaf` (Dovecot 2.3.19.1, Debian 12).
constexpr std::string_view dovecot_tanstaaf =
    "d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b";
// `doveadm pw -s CRAM-MD5 -p secret`.
constexpr std::string_view dovecot_secret =
    "cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56";

TEST_CASE("HMAC-MD5 from a plaintext secret gives RFC 2195's example digest") {
  const Md5Digest digest = hmac_md5(hmac_md5_contexts("tanstaaftanstaaf"), rfc2195_challenge);
  CHECK(to_hex(digest) == "b913a602c7eda7a495b4e6e7334d3890");
}

TEST_CASE("HMAC-MD5 matches RFC 2202 test cases 1, 2 and 6 (a key over 64 octets)") {
  CHECK(to_hex(hmac_md5(hmac_md5_contexts(std::string(16, '\x0b')), "Hi There")) ==
        "9294727a3638bb1c13f48ef8158bfc9d");
  CHECK(to_hex(hmac_md5(hmac_md5_contexts(std::string(80, '\xaa')),
                        "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
  CHECK(to_hex(hmac_md5(hmac_md5_contexts("Jefe"), "what do ya want for nothing?")) ==
        "750c783e6ab0b503eaa86e310a5db738");
}

TEST_CASE("Dovecot's {CRAM-MD5} contexts are read and written digit for digit") {
  CHECK(format_dovecot_cram_md5(hmac_md5_contexts("tanstaaftanstaaf")) == dovecot_tanstaaf);
  CHECK(format_dovecot_cram_md5(hmac_md5_contexts("secret")) == dovecot_secret);
  const auto contexts = parse_dovecot_cram_md5(dovecot_tanstaaf);
  REQUIRE(contexts);
  CHECK(to_hex(hmac_md5(*contexts, rfc2195_challenge)) == "b913a602c7eda7a495b4e6e7334d3890");
  CHECK(same_contexts(*contexts, hmac_md5_contexts("tanstaaftanstaaf")));
  CHECK_FALSE(same_contexts(*contexts, hmac_md5_contexts("tanstaaftanstaaF")));
}

TEST_CASE("a {CRAM-MD5} secret that is not 64 hex digits is refused") {
  CHECK_FALSE(parse_dovecot_cram_md5(dovecot_tanstaaf.substr(1)));
  CHECK_FALSE(parse_dovecot_cram_md5(std::string(dovecot_tanstaaf) + "0"));
  CHECK_FALSE(parse_dovecot_cram_md5(std::string(63, '0') + "g"));
  CHECK(parse_dovecot_cram_md5(std::string(64, 'A')));  // upper-case hex is hex
}

TEST_CASE("base64 round-trips and refuses what is not canonical RFC 4648 base64") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string("\0tim\0tanstaaftanstaaf", 21)) == "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  CHECK(base64_decode("Zm9vYg==") == std::optional<std::string>("foob"));
  CHECK(base64_decode("") == std::optional<std::string>(""));
  CHECK_FALSE(base64_decode("Zm9vYg="));    // not a multiple of 4
  CHECK_FALSE(base64_decode("Zm9v YmFy"));  // space inside
  CHECK_FALSE(base64_decode("Zg=a"));       // data after padding
  CHECK_FALSE(base64_decode("Zh=="));       // pad bits not zero
  CHECK_FALSE(base64_decode("Zm9v\r\n"));
  CHECK_FALSE(base64_decode("=Zm9"));
}
