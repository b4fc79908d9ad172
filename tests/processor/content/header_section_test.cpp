#include "opes/processor/header_section.hpp"

#include <doctest/doctest.h>

namespace opes::processor::test {

TEST_CASE("RFC 5322 2.1: the header section ends just past the first empty line") {
  CHECK(header_section_end("A: 1\r\n\r\nbody\r\n\r\n") == 8);
  CHECK(header_section_end("\r\nbody") == 2);
  CHECK(header_section_end("A: 1\r\n \r\n\r\n") == 11);
  CHECK_FALSE(header_section_end("A: 1\r\nB: 2\r\n"));
  CHECK_FALSE(header_section_end("A: 1\n\nbare LFs"));
  CHECK_FALSE(header_section_end(""));
}

TEST_CASE("RFC 5322 2.2.3: folded lines belong to the field before them") {
  const std::string_view section = "Subject: a\r\n\tb\r\nFrom: c\r\n  d\r\n e\r\n\r\nbody\r\n";
  const auto fields = list_header_fields(section);
  REQUIRE(fields.size() == 2);
  CHECK(fields[0].name == "Subject");
  CHECK(fields[0].text == "Subject: a\r\n\tb\r\n");
  CHECK(fields[1].name == "From");
  CHECK(fields[1].text == "From: c\r\n  d\r\n e\r\n");
}

TEST_CASE("lines that are not fields are listed without a name") {
  const auto fields = list_header_fields(" leading fold\r\nno colon\r\nX Bad: 1\r\nOk: 2");
  REQUIRE(fields.size() == 4);
  CHECK(fields[0].name.empty());
  CHECK(fields[0].text == " leading fold\r\n");
  CHECK(fields[1].name.empty());
  CHECK(fields[1].text == "no colon\r\n");
  CHECK(fields[2].name.empty());
  CHECK(fields[2].text == "X Bad: 1\r\n");
  CHECK(fields[3].name == "Ok");
  const auto last = list_header_fields("Ok: 2");
  REQUIRE(last.size() == 1);
  CHECK(last[0].name == "Ok");
  CHECK(last[0].text == "Ok: 2");
}

TEST_CASE("a well-formed field has a name, a colon and CRLF-ended lines") {
  CHECK(is_well_formed_field("Subject: x\r\n"));
  CHECK(is_well_formed_field("Subject:\r\n"));
  CHECK(is_well_formed_field("Subject: a\r\n b\r\n"));
  CHECK(is_well_formed_field("Subject: caf\xc3\xa9\r\n"));
  CHECK_FALSE(is_well_formed_field("Subject: x"));
  CHECK_FALSE(is_well_formed_field("Subject: a\rb\r\n"));
  CHECK_FALSE(is_well_formed_field("Subject: a\nb\r\n"));
  CHECK_FALSE(is_well_formed_field("Subject: a\r\nb\r\n"));
  CHECK_FALSE(is_well_formed_field(": x\r\n"));
  CHECK_FALSE(is_well_formed_field("no colon\r\n"));
  CHECK_FALSE(is_well_formed_field("\r\n"));
}

TEST_CASE("an answer of zero or more header fields passes the check") {
  CHECK(check_header_fields("").problem.empty());
  const auto two = check_header_fields("Subject: new\r\nX-Tag: 1\r\n two\r\n");
  CHECK(two.problem.empty());
  REQUIRE(two.fields.size() == 2);
  CHECK(two.fields[1].text == "X-Tag: 1\r\n two\r\n");
}

TEST_CASE("an answer that is not header fields names the first bad one") {
  CHECK(check_header_fields("Subject: new").problem ==
        "header field 1 is not a field-name, a colon and CRLF-ended lines (RFC 5322 §2.2)");
  CHECK(check_header_fields("Subject: new\r\nbody text\r\n").problem ==
        "header field 2 is not a field-name, a colon and CRLF-ended lines (RFC 5322 §2.2)");
  CHECK(check_header_fields("Subject: new\r\n\r\nbody\r\n").problem ==
        "an empty line after header field 1");
  CHECK_FALSE(check_header_fields("\r\n").problem.empty());
}

TEST_CASE("unfolding removes the CRLFs of folding and keeps the white space") {
  CHECK(unfold(" multipart/mixed;\r\n boundary=x") == " multipart/mixed; boundary=x");
  CHECK(same_field_name("OPES-Via", "opes-via"));
  CHECK_FALSE(same_field_name("OPES-Via", "OPES-Vi"));
}

}  // namespace opes::processor::test
