#include "opes/plugin_host/answer_syntax.hpp"

#include <doctest/doctest.h>

#include <string>

using opes::plugin_host::check_header_field;
using opes::plugin_host::check_rejection_reply;

TEST_CASE("rejection replies: RFC 5321 replies with a 4yz or 5yz code are accepted") {
  CHECK(check_rejection_reply("550 5.7.1 Message content rejected"));
  CHECK(check_rejection_reply("550 No such user here"));  // draft Figure 10
  CHECK(check_rejection_reply("451 4.3.0 Try again later"));
  CHECK(check_rejection_reply("550"));
  CHECK(check_rejection_reply("550-5.7.1 First line\r\n550-5.7.1 Second line\r\n550 5.7.1 Last"));
}

TEST_CASE("rejection replies: anything the SMTP client could misread is refused") {
  CHECK_FALSE(check_rejection_reply("250 OK"));  // not a rejection
  CHECK_FALSE(check_rejection_reply("354 go ahead"));
  CHECK_FALSE(check_rejection_reply("600 no such class"));
  CHECK_FALSE(check_rejection_reply("55"));
  CHECK_FALSE(check_rejection_reply("5x0 letters"));
  CHECK_FALSE(check_rejection_reply("550 trailing CRLF\r\n"));  // draft §3.3.3
  CHECK_FALSE(check_rejection_reply("550 bare\nline feed"));
  CHECK_FALSE(check_rejection_reply("550 bare\rcarriage return"));
  CHECK_FALSE(check_rejection_reply("550-first\r\n451 other code"));
  CHECK_FALSE(check_rejection_reply("550-first\r\n550-never ends"));
  CHECK_FALSE(check_rejection_reply("550 first\r\n550 second"));  // a space before the last line
  CHECK_FALSE(check_rejection_reply("550xno separator"));
  CHECK_FALSE(check_rejection_reply(std::string("550 nul") + '\0' + "byte"));
  CHECK_FALSE(check_rejection_reply("550 " + std::string(507, 'x')));
  CHECK(check_rejection_reply("550 " + std::string(506, 'x')));
}

TEST_CASE("header fields: RFC 5322 fields, folded or not, are accepted") {
  CHECK(check_header_field("X-Original-User: paul@example.com"));  // draft Figure 11
  CHECK(check_header_field("X-Empty:"));
  CHECK(check_header_field("X-Folded: first\r\n second\r\n\tthird"));
  CHECK(check_header_field("X-Utf8: caf\xc3\xa9"));
}

TEST_CASE(
    "header fields: a field that could inject another field or break the message is refused") {
  CHECK_FALSE(check_header_field("X-A: 1\r\nX-B: 2"));    // a second field
  CHECK_FALSE(check_header_field("X-A: 1\r\n\r\nbody"));  // ends the header section
  CHECK_FALSE(check_header_field("X-A: 1\r\n"));          // draft §3.3.5: no final CRLF
  CHECK_FALSE(check_header_field("X-A: bare\nLF"));
  CHECK_FALSE(check_header_field("X-A: bare\rCR"));
  CHECK_FALSE(check_header_field(std::string("X-A: nul") + '\0'));
  CHECK_FALSE(check_header_field("no colon"));
  CHECK_FALSE(check_header_field(": no name"));
  CHECK_FALSE(check_header_field("X A: space in name"));
  CHECK(check_header_field("X-Long: " + std::string(990, 'x')));  // 998 octets: the limit
  CHECK_FALSE(check_header_field("X-Long: " + std::string(991, 'x')));
}
