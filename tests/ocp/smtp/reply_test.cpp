#include "ocp/smtp/reply.hpp"

#include <doctest/doctest.h>

namespace ocp::smtp::test {

TEST_CASE("RFC 2821 4.2: a one-line reply reads as its code and text") {
  auto reply = parse_reply("550 No such user here");
  REQUIRE(reply);
  CHECK(reply->code == 550);
  CHECK(reply->lines == std::vector<std::string>{"No such user here"});
  CHECK(reply->is_error());
  CHECK(reply->text() == "550 No such user here");
  CHECK(reply->wire() == "550 No such user here\r\n");
}

TEST_CASE("RFC 2821 4.2.1: a multi-line reply keeps its internal CRLFs") {
  const std::string text = "550-5.7.1 Rejected\r\n550-see the policy\r\n550 5.7.1 Bye";
  auto reply = parse_reply(text);
  REQUIRE(reply);
  CHECK(reply->lines == std::vector<std::string>{"5.7.1 Rejected", "see the policy", "5.7.1 Bye"});
  CHECK(reply->text() == text);
  CHECK(reply->wire() == text + "\r\n");
}

TEST_CASE("RFC 2821 4.2: a reply code alone is a reply") {
  auto reply = parse_reply("421");
  REQUIRE(reply);
  CHECK(reply->lines == std::vector<std::string>{""});
  CHECK(reply->text() == "421");
  CHECK(parse_reply("250-\r\n250 ok"));
}

TEST_CASE("RFC 2821 4.2: the reply code is three digits 2-5, 0-5, 0-9") {
  CHECK_FALSE(parse_reply("55 short"));
  CHECK_FALSE(parse_reply("650 bad first digit"));
  CHECK_FALSE(parse_reply("160 bad first digit"));
  CHECK_FALSE(parse_reply("560 bad second digit"));
  CHECK_FALSE(parse_reply("5x0 not a digit"));
  auto glued = parse_reply("550No space");
  REQUIRE_FALSE(glued);
  CHECK(glued.error().reason == "SMTP reply line 1: the code must be followed by SP");
}

TEST_CASE("RFC 2821 4.2.1: multi-line replies must be consistent") {
  auto codes = parse_reply("550-first\r\n551 last");
  REQUIRE_FALSE(codes);
  CHECK(codes.error().reason == "SMTP reply line 2: code 551 differs from 550");
  auto continued = parse_reply("550 first\r\n550 last");
  REQUIRE_FALSE(continued);
  CHECK(continued.error().reason ==
        "SMTP reply line 1: a line before the last must continue with '-'");
  auto open_end = parse_reply("550-first\r\n550-last");
  REQUIRE_FALSE(open_end);
  CHECK(open_end.error().reason == "SMTP reply line 2: the last line must not continue with '-'");
}

TEST_CASE("smtp 3.3.3: the reply carries no final CRLF") {
  auto ended = parse_reply("550 No such user here\r\n");
  REQUIRE_FALSE(ended);
  CHECK(ended.error().reason == "SMTP reply must not end with CRLF (smtp §3.3.3)");
  CHECK_FALSE(parse_reply(""));
}

TEST_CASE("bare CR or LF, control octets and non-ASCII text are refused") {
  CHECK_FALSE(parse_reply("550 bare\nLF"));
  CHECK_FALSE(parse_reply("550 bare\rCR"));
  CHECK_FALSE(parse_reply("550-a\n550 b"));
  CHECK_FALSE(parse_reply(std::string_view("550 nul\0x", 9)));
  CHECK_FALSE(parse_reply("550 caf\xc3\xa9"));
  CHECK(parse_reply("550 tab\there"));
}

TEST_CASE("RFC 2821 4.5.3.1: reply lines longer than 510 octets are refused") {
  CHECK(parse_reply("550 " + std::string(506, 'x')));
  auto longer = parse_reply("550 " + std::string(507, 'x'));
  REQUIRE_FALSE(longer);
  CHECK(longer.error().reason == "SMTP reply line 1: longer than 510 octets (RFC 2821 §4.5.3.1)");
}

}  // namespace ocp::smtp::test
