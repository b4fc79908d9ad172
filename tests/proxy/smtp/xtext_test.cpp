#include "opes/smtp/xtext.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

TEST_CASE("RFC 3461 4: xtext hexchars decode to their octets") {
  auto decoded = decode_xtext("rfc822+3Bbob+2Bsmith@example.org");
  REQUIRE(decoded);
  CHECK(*decoded == "rfc822;bob+smith@example.org");
  CHECK(*decode_xtext("") == "");
}

TEST_CASE("RFC 3461 4: malformed xtext is refused with 501 5.5.4") {
  CHECK_FALSE(decode_xtext("a+2"));
  CHECK_FALSE(decode_xtext("a+2b"));  // hex digits are upper case
  CHECK_FALSE(decode_xtext("a=b"));
  CHECK_FALSE(decode_xtext("a b"));
  auto bad = decode_xtext("+G0");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().reply().wire() ==
        "501 5.5.4 xtext hexchar needs two upper-case hex digits\r\n");
}

TEST_CASE("RFC 3461 4: encoding escapes plus equals space and non-ASCII") {
  CHECK(encode_xtext("a+b=c d\xC3\xA9") == "a+2Bb+3Dc+20d+C3+A9");
  CHECK(*decode_xtext(encode_xtext("a+b=c d\xC3\xA9")) == "a+b=c d\xC3\xA9");
}

}  // namespace opes::smtp::test
