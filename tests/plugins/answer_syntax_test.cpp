#include "opes/plugin_host/answer_syntax.hpp"

#include <doctest/doctest.h>

#include <string>

// The reply and header field syntax is ocp::smtp's (parse_reply,
// parse_header_fields; tests/ocp/smtp/reply_test.cpp, header_field_test.cpp).
// These tests cover what the host adds: rejections only, one field per
// add_header call, no control characters, and that a syntax error reaches the
// plugin's failure text.

using opes::plugin_host::check_header_field;
using opes::plugin_host::check_rejection_reply;

TEST_CASE("rejection replies: RFC 5321 replies with a 4yz or 5yz code are accepted") {
  CHECK(check_rejection_reply("550 5.7.1 Message content rejected"));
  CHECK(check_rejection_reply("550 No such user here"));  // draft Figure 10
  CHECK(check_rejection_reply("451 4.3.0 Try again later"));
  CHECK(check_rejection_reply("550"));
  CHECK(check_rejection_reply("550-5.7.1 First line\r\n550-5.7.1 Second line\r\n550 5.7.1 Last"));
}

TEST_CASE("rejection replies: a well-formed 2yz or 3yz reply is not a rejection") {
  const auto ok = check_rejection_reply("250 OK");
  REQUIRE_FALSE(ok);
  CHECK(ok.error() == "SMTP reply code 250 is not a 4yz or 5yz rejection");
  CHECK_FALSE(check_rejection_reply("354 go ahead"));
  CHECK_FALSE(check_rejection_reply("250-first\r\n250 last"));
}

TEST_CASE("rejection replies: a malformed reply is refused with the reason") {
  const auto ended = check_rejection_reply("550 trailing CRLF\r\n");  // draft §3.3.3
  REQUIRE_FALSE(ended);
  CHECK(ended.error() == "SMTP reply must not end with CRLF (smtp §3.3.3)");
  CHECK_FALSE(check_rejection_reply("550-first\r\n451 other code"));
  CHECK_FALSE(check_rejection_reply("550 bare\nline feed"));
  CHECK_FALSE(check_rejection_reply("600 no such class"));
  CHECK_FALSE(check_rejection_reply("550 " + std::string(507, 'x')));
  CHECK(check_rejection_reply("550 " + std::string(506, 'x')));
}

TEST_CASE("rejection replies: text the wire cannot carry is refused, not only control octets") {
  CHECK_FALSE(check_rejection_reply(std::string("550 nul") + '\0' + "byte"));
  CHECK_FALSE(check_rejection_reply("550 del\x7f"));
  CHECK_FALSE(check_rejection_reply("550 caf\xc3\xa9"));  // RFC 5321 §4.2 textstring is ASCII
}

TEST_CASE("header fields: RFC 5322 fields, folded or not, are accepted") {
  CHECK(check_header_field("X-Original-User: paul@example.com"));  // draft Figure 11
  CHECK(check_header_field("X-Empty:"));
  CHECK(check_header_field("X-Folded: first\r\n second\r\n\tthird"));
  CHECK(check_header_field("X-Tab:\tvalue"));
}

TEST_CASE("header fields: one add_header call adds exactly one field") {
  // An Add-Header value may carry several fields; a plugin's answer may not.
  CHECK_FALSE(check_header_field("X-A: 1\r\nX-B: 2"));
  CHECK_FALSE(check_header_field("X-A: 1\r\n\r\nbody"));  // ends the header section
  CHECK_FALSE(check_header_field("X-A: 1\r\n"));          // draft §3.3.5: no final CRLF
}

TEST_CASE("header fields: control characters other than HTAB are refused") {
  CHECK_FALSE(check_header_field("X-A: bare\nLF"));
  CHECK_FALSE(check_header_field("X-A: bare\rCR"));
  CHECK_FALSE(check_header_field(std::string("X-A: nul") + '\0'));
  const auto escape = check_header_field("X-A: \x1b[31mred");
  REQUIRE_FALSE(escape);
  CHECK(escape.error() == "header field contains a control character");
  CHECK_FALSE(check_header_field("X-A: del\x7f"));
  CHECK_FALSE(check_header_field("X-A: 1\r\n \x01"));
}

TEST_CASE("header fields: names, US-ASCII bodies and 998-octet lines as on the wire") {
  CHECK_FALSE(check_header_field("no colon"));
  CHECK_FALSE(check_header_field(": no name"));
  CHECK_FALSE(check_header_field("X A: space in name"));
  // RFC 5322 §2.2: US-ASCII; the callout server could not send it as Add-Header.
  CHECK_FALSE(check_header_field("X-Utf8: caf\xc3\xa9"));
  CHECK_FALSE(check_header_field("X-A: 1\r\n \t"));  // a folded line of white space alone
  CHECK(check_header_field("X-Long: " + std::string(990, 'x')));  // 998 octets: the limit
  CHECK_FALSE(check_header_field("X-Long: " + std::string(991, 'x')));
}
