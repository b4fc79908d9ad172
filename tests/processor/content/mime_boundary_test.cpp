#include "opes/processor/mime_boundary.hpp"

#include <doctest/doctest.h>

namespace opes::processor::test {

TEST_CASE("RFC 2046 5.1.1: the boundary of a multipart type, quoted or not") {
  CHECK(multipart_boundary(" multipart/mixed; boundary=\"simple boundary\"") == "simple boundary");
  CHECK(multipart_boundary(" multipart/alternative; boundary=gc0p4Jq0M2Yt08jU534c0p") ==
        "gc0p4Jq0M2Yt08jU534c0p");
  CHECK(multipart_boundary(" Multipart/Mixed;\r\n\tcharset=us-ascii; BOUNDARY=\"a\\\"b\"") ==
        "a\"b");
  CHECK(multipart_boundary(" multipart/mixed (comment); (x) boundary = \"z\" (y)") == "z");
}

TEST_CASE("a body that is not multipart has no boundary") {
  CHECK_FALSE(multipart_boundary(" text/plain; boundary=x"));
  CHECK_FALSE(multipart_boundary(" multipart/mixed"));
  CHECK_FALSE(multipart_boundary(" multipart/mixed; charset=x"));
  CHECK_FALSE(multipart_boundary(" multipart/mixed; boundary=\"\""));
  CHECK_FALSE(multipart_boundary(" multipart/mixed; boundary=\"unterminated"));
  CHECK_FALSE(multipart_boundary(" multipart; boundary=x"));
  CHECK_FALSE(multipart_boundary(""));
}

TEST_CASE("RFC 2046 5.1.1: a boundary over 70 characters or ending in a space is refused") {
  const std::string seventy(70, 'b');
  CHECK(multipart_boundary(" multipart/mixed; boundary=" + seventy) == seventy);
  CHECK_FALSE(multipart_boundary(" multipart/mixed; boundary=" + seventy + "b"));
  CHECK_FALSE(multipart_boundary(" multipart/mixed; boundary=\"ends \""));
}

TEST_CASE("RFC 2046 5.1.1: delimiter lines are the dash-boundary, padding and CRLF") {
  CHECK(match_delimiter_line("--b\r\n", "b") == DelimiterMatch::delimiter);
  CHECK(match_delimiter_line("--b \t\r\n", "b") == DelimiterMatch::delimiter);
  CHECK(match_delimiter_line("--b--\r\n", "b") == DelimiterMatch::close);
  CHECK(match_delimiter_line("--b-- \r\n", "b") == DelimiterMatch::close);
  CHECK(match_delimiter_line("-", "b") == DelimiterMatch::partial);
  CHECK(match_delimiter_line("--b", "b") == DelimiterMatch::partial);
  CHECK(match_delimiter_line("--b-", "b") == DelimiterMatch::partial);
  CHECK(match_delimiter_line("--b  ", "b") == DelimiterMatch::partial);
  CHECK(match_delimiter_line("--b\r", "b") == DelimiterMatch::partial);
  CHECK(match_delimiter_line("--bc\r\n", "b") == DelimiterMatch::mismatch);
  CHECK(match_delimiter_line("--b-x", "b") == DelimiterMatch::mismatch);
  CHECK(match_delimiter_line("-x", "b") == DelimiterMatch::mismatch);
  CHECK(match_delimiter_line("--b\rx", "b") == DelimiterMatch::mismatch);
  CHECK(match_delimiter_line("--b" + std::string(2000, ' '), "b") == DelimiterMatch::mismatch);
}

}  // namespace opes::processor::test
