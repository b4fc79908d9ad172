// RFC 3461 §4 xtext, the one codec behind ENVID/ORCPT checks and
// XCLIENT/XFORWARD values in the SMTP core and the opesbypass value in the
// processor's policies.

#include "ocp/smtp/xtext.hpp"

#include <doctest/doctest.h>

#include <string>

namespace ocp::smtp::test {

TEST_CASE("xtext: RFC 3461 4: hexchars decode to their octet") {
  auto decoded = decode_xtext("http://s.example/cat/?sid+3D125+2Bx");
  REQUIRE(decoded);
  CHECK(*decoded == "http://s.example/cat/?sid=125+x");
  auto orcpt = decode_xtext("rfc822+3Bbob+2Bsmith@example.org");
  REQUIRE(orcpt);
  CHECK(*orcpt == "rfc822;bob+smith@example.org");
  auto space = decode_xtext("a+20b+2C+09");
  REQUIRE(space);
  CHECK(*space == "a b,\t");
  CHECK(*decode_xtext("") == "");
}

TEST_CASE("xtext: RFC 3461 4: a plus sign needs two upper case hexadecimal digits") {
  auto lower = decode_xtext("a+2b");
  REQUIRE_FALSE(lower);
  CHECK(lower.error().offset == 1);
  CHECK(lower.error().reason == "octet 1: \"+\" needs two upper-case hexadecimal digits");
  auto short_tail = decode_xtext("abc+3");
  REQUIRE_FALSE(short_tail);
  CHECK(short_tail.error().offset == 3);
  CHECK(short_tail.error().reason == "octet 3: \"+\" needs two hexadecimal digits");
  CHECK_FALSE(decode_xtext("a+2"));
  CHECK_FALSE(decode_xtext("+"));
  CHECK_FALSE(decode_xtext("+G0"));
  CHECK_FALSE(decode_xtext("+-1"));
}

TEST_CASE("xtext: RFC 3461 4: an equals sign, a space or a control is not an xchar") {
  auto equals = decode_xtext("sid=1");
  REQUIRE_FALSE(equals);
  CHECK(equals.error().reason == "octet 3: \"=\" must be sent as +3D");
  auto space = decode_xtext("a b");
  REQUIRE_FALSE(space);
  CHECK(space.error().reason == "octet 1: not an xchar");
  CHECK_FALSE(decode_xtext("a\x7f"));
  CHECK_FALSE(decode_xtext("caf\xc3\xa9"));
}

TEST_CASE("xtext: encoding escapes plus, equals and octets outside 33 to 126 and round trips") {
  CHECK(encode_xtext("http://s.example/?a=1+2") == "http://s.example/?a+3D1+2B2");
  CHECK(encode_xtext("a+b=c d\xC3\xA9") == "a+2Bb+3Dc+20d+C3+A9");
  CHECK(encode_xtext("a b\r\n\xff") == "a+20b+0D+0A+FF");
  std::string all;
  for (int octet = 0; octet < 256; ++octet) all.push_back(static_cast<char>(octet));
  auto round_trip = decode_xtext(encode_xtext(all));
  REQUIRE(round_trip);
  CHECK(*round_trip == all);
}

}  // namespace ocp::smtp::test
