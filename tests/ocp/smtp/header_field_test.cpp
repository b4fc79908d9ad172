#include "ocp/smtp/header_field.hpp"

#include <doctest/doctest.h>

namespace ocp::smtp::test {

TEST_CASE("RFC 2822 2.2: Figure 11's header field reads as name and body") {
  auto fields = parse_header_fields("X-Original-User: paul@example.com");
  REQUIRE(fields);
  REQUIRE(fields->size() == 1);
  CHECK((*fields)[0].name == "X-Original-User");
  CHECK((*fields)[0].body == " paul@example.com");
  CHECK((*fields)[0].text() == "X-Original-User: paul@example.com");
}

TEST_CASE("RFC 2822 2.2.3: a CRLF followed by white space folds the field") {
  const std::string folded = "X-Scan: clean;\r\n\tengine=1.2;\r\n  date=today";
  auto fields = parse_header_fields(folded);
  REQUIRE(fields);
  REQUIRE(fields->size() == 1);
  CHECK((*fields)[0].body == " clean;\r\n\tengine=1.2;\r\n  date=today");
  CHECK(join_header_fields(*fields) == folded);
}

TEST_CASE("A-26: one Add-Header value may carry several CRLF-separated fields") {
  const std::string two = "X-Spam-Score: 7\r\nX-Spam-Flag: YES\r\n folded";
  auto fields = parse_header_fields(two);
  REQUIRE(fields);
  REQUIRE(fields->size() == 2);
  CHECK((*fields)[0].name == "X-Spam-Score");
  CHECK((*fields)[1].name == "X-Spam-Flag");
  CHECK((*fields)[1].body == " YES\r\n folded");
  CHECK(join_header_fields(*fields) == two);
}

TEST_CASE("smtp 3.3.5: the value carries no terminating CRLF") {
  auto ended = parse_header_fields("X-A: 1\r\n");
  REQUIRE_FALSE(ended);
  CHECK(ended.error().reason == "header fields must not end with CRLF (smtp §3.3.5)");
  CHECK_FALSE(parse_header_fields(""));
}

TEST_CASE("RFC 2822 2.2: the field name is printable US-ASCII without colon or space") {
  auto space = parse_header_fields("X Bad: 1");
  REQUIRE_FALSE(space);
  CHECK(space.error().reason == "header field 1: 'X Bad' is not a field name (RFC 2822 §2.2)");
  CHECK_FALSE(parse_header_fields(": no name"));
  CHECK_FALSE(parse_header_fields(" X-Leading: 1"));
  auto colonless = parse_header_fields("X-A: 1\r\nno colon here");
  REQUIRE_FALSE(colonless);
  CHECK(colonless.error().reason == "header field 2: has no colon");
  CHECK(parse_header_fields("X-Empty:"));
}

TEST_CASE("RFC 2822 2.2: bodies hold no bare CR or LF, NUL or non-ASCII octet") {
  CHECK_FALSE(parse_header_fields("X-A: bare\nLF"));
  CHECK_FALSE(parse_header_fields("X-A: bare\rCR"));
  CHECK_FALSE(parse_header_fields(std::string_view("X-A: nul\0", 9)));
  CHECK_FALSE(parse_header_fields("X-A: caf\xc3\xa9"));
}

TEST_CASE("empty lines and folded lines of white space alone are refused") {
  CHECK_FALSE(parse_header_fields("X-A: 1\r\n\r\nX-B: 2"));
  auto blank = parse_header_fields("X-A: 1\r\n  \r\nX-B: 2");
  REQUIRE_FALSE(blank);
  CHECK(blank.error().reason == "header field 1: a folded line holds only white space");
  CHECK_FALSE(parse_header_fields("X-A: 1\r\n \t"));
}

TEST_CASE("RFC 2822 2.1.1: lines longer than 998 octets are refused") {
  CHECK(parse_header_fields("X-A: " + std::string(993, 'x')));
  CHECK_FALSE(parse_header_fields("X-A: " + std::string(994, 'x')));
  CHECK(parse_header_fields("X-A: 1\r\n " + std::string(997, 'x')));
  CHECK_FALSE(parse_header_fields("X-A: 1\r\n " + std::string(998, 'x')));
}

}  // namespace ocp::smtp::test
