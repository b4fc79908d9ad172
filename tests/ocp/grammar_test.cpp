// The X3 grammar's reading of every RFC 4037 §3.1 shape.

#include <doctest/doctest.h>

#include "ocp/stream_parser.hpp"

namespace ocp {

namespace {

Message parse_ok(std::string_view bytes) {
  auto parsed = parse_message(bytes);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().describe()));
  return *parsed;
}

ParseError parse_error(std::string_view bytes, const ParseOptions& options = {}) {
  auto parsed = parse_message(bytes, options);
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

}  // namespace

TEST_CASE("a message name alone") {
  const Message message = parse_ok("CS;\r\n");
  CHECK(message.name == "CS");
  CHECK(message.anonymous.empty());
  CHECK(message.named.empty());
  CHECK_FALSE(message.payload);
}

TEST_CASE("anonymous parameters of every base format") {
  const Message message = parse_ok("X a \"0:\" \"3:a b\" () (a,{}) {} {a (b)};\r\n");
  REQUIRE(message.anonymous.size() == 7);
  CHECK(message.anonymous[0] == Value::atom("a"));
  CHECK(message.anonymous[1] == Value::atom(""));
  CHECK(message.anonymous[2] == Value::atom("a b"));
  CHECK(message.anonymous[3] == Value(List{}));
  CHECK(message.anonymous[4] == Value(List{{Value::atom("a"), Value(Structure{})}}));
  CHECK(message.anonymous[5] == Value(Structure{}));
  CHECK(message.anonymous[6] == Value(Structure{{Value::atom("a"), Value(List{{Value::atom("b")}})}, {}}));
}

TEST_CASE("a quoted value holds any octet, NUL and DQUOTE included") {
  const std::string bytes = std::string("X \"5:a\0\"\r;\";\r\n", 14);
  const Message message = parse_ok(bytes);
  CHECK(message.anonymous[0] == Value::atom(std::string("a\0\"\r;", 5)));
}

TEST_CASE("structures with named members only, and with both kinds") {
  const Message message = parse_ok("X {\r\nA: 1\r\n} {b\r\nC: (d)\r\nE: {}\r\n};\r\n");
  const Structure* first = message.anonymous[0].as_structure();
  REQUIRE(first);
  CHECK(first->anonymous.empty());
  REQUIRE(first->named.size() == 1);
  CHECK(first->named[0].name == "A");
  const Structure* second = message.anonymous[1].as_structure();
  REQUIRE(second);
  CHECK(second->anonymous == std::vector<Value>{Value::atom("b")});
  REQUIRE(second->named.size() == 2);
  CHECK(second->find("E")->value == Value(Structure{}));
}

TEST_CASE("named parameters and a payload, with and without anonymous ones") {
  const Message message = parse_ok("NR\r\nSG: 5\r\nOffer-Pending: true\r\n\r\n3:x;y\r\n;\r\n");
  REQUIRE(message.named.size() == 2);
  CHECK(message.named[0].name == "SG");
  CHECK(message.named[1].value == Value::atom("true"));
  CHECK(message.payload->view() == "x;y");
  const Message bare_payload = parse_ok("DUM 1 0\r\n0:\r\n;\r\n");
  REQUIRE(bare_payload.payload);
  CHECK(bare_payload.payload->empty());
}

TEST_CASE("syntax errors are reported at the octet where the grammar cannot go on") {
  CHECK(parse_error("TS  1;\r\n").offset == 3);              // two spaces
  CHECK(parse_error("TS 1 ;\r\n").offset == 5);              // space before ';'
  CHECK(parse_error("X (a,,b);\r\n").offset == 5);           // empty list item
  CHECK(parse_error("X (a b);\r\n").offset == 4);            // space in a list
  CHECK(parse_error("X {a,b};\r\n").offset == 4);            // comma in a structure
  CHECK(parse_error("X\r\nA:1\r\n;\r\n").offset == 4);       // no SP after ':'
  CHECK(parse_error("X\r\nA: \r\n;\r\n").offset == 6);       // no value
  CHECK(parse_error("X\r\n1A: 1\r\n;\r\n").reason.find("payload") == std::string::npos);
  CHECK(parse_error("X {\r\n};\r\n").offset == 3);           // CRLF without named members
  CHECK(parse_error("X {\r\n1: a\r\n};\r\n").offset == 3);   // member name must start with ALPHA
  CHECK(parse_error("X a:b;\r\n").offset == 3);
}

TEST_CASE("what the error says names what was expected") {
  CHECK(parse_error("NR\r\nOffer-Pending  true\r\n;\r\n").describe() == "offset 17: \": \" expected");
  CHECK(parse_error("TE 7 {200 OK;\r\n").reason == "';' inside a structure or list");
  CHECK(parse_error("X (a b);\r\n").reason == "')' expected");
}

TEST_CASE("parse options: limits reach the grammar through the framer") {
  ParseOptions options;
  options.limits.max_depth = 3;
  CHECK(parse_message("X (((a)));\r\n", options));
  CHECK(parse_error("X ((((a))));\r\n", options).reason == "values nested deeper than 3");
}

}  // namespace ocp
