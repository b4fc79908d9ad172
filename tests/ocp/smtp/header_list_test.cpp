#include "ocp/smtp/header_list.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

TEST_CASE("Header-List reads Figure 5's names and requests them case-insensitively") {
  auto headers = read_header_list(value_of("(From,To,Reply-To,Received)"));
  REQUIRE(headers);
  CHECK(headers->names == std::vector<std::string>{"From", "To", "Reply-To", "Received"});
  CHECK(headers->requests("from"));
  CHECK(headers->requests("REPLY-TO"));
  CHECK_FALSE(headers->requests("Subject"));
  CHECK_FALSE(headers->has_wildcard());
}

TEST_CASE("A-23: the wildcard is read from the quoted atom 1:* and requests every header") {
  auto headers = read_header_list(value_of("(\"1:*\")"));
  REQUIRE(headers);
  CHECK(headers->has_wildcard());
  CHECK(headers->requests("X-Anything"));
}

TEST_CASE("A-23: a bare * is already an OCP syntax error") {
  CHECK_FALSE(parse_message("X (*);\r\n"));
}

TEST_CASE("A-23: the wildcard is written as the quoted atom 1:*") {
  CHECK(bytes_of(write_header_list(HeaderList{{"*"}})) == "(\"1:*\")");
  CHECK(bytes_of(write_header_list(HeaderList{{"From", "Reply-To"}})) == "(From,Reply-To)");
}

TEST_CASE("header names that are not RFC 2822 field names are refused") {
  auto colon = read_header_list(value_of("(\"8:X-Colon:\")"));
  REQUIRE_FALSE(colon);
  CHECK(colon.error().reason == "headernames item 1: 'X-Colon:' is not a header field name");
  CHECK_FALSE(read_header_list(value_of("(\"4:X Sp\")")));
  CHECK_FALSE(read_header_list(value_of("(From,\"0:\")")));
  CHECK_FALSE(read_header_list(value_of("({From})")));
  CHECK_FALSE(read_header_list(Value::atom("From")));
}

TEST_CASE("normalising keeps each name once, by its first spelling, or the wildcard alone") {
  CHECK(HeaderList{{"From", "from", "To", "FROM"}}.normalized() == HeaderList{{"From", "To"}});
  CHECK(HeaderList{{"From", "*", "To"}}.normalized() == HeaderList{{"*"}});
}

}  // namespace ocp::smtp::test
