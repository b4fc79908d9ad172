#include "ocp/smtp/ehlo_keywords.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

TEST_CASE("A-22: Extensions is a list of EHLO keywords compared case-insensitively") {
  auto keywords = read_ehlo_keywords(value_of("(AUTH,SIZE,VIPEXT,8BITMIME)"));
  REQUIRE(keywords);
  CHECK(keywords->keywords.size() == 4);
  CHECK(keywords->contains("auth"));
  CHECK(keywords->contains("8bitmime"));
  CHECK_FALSE(keywords->contains("PIPELINING"));
}

TEST_CASE("A-22: an Extensions item that is not an ehlo-keyword is refused") {
  auto dash = read_ehlo_keywords(value_of("(-AUTH)"));
  REQUIRE_FALSE(dash);
  CHECK(dash.error().reason == "Extensions item 1: '-AUTH' is not an EHLO keyword");
  CHECK_FALSE(read_ehlo_keywords(value_of("(\"7:X_UNDER\")")));
  CHECK_FALSE(read_ehlo_keywords(value_of("({AUTH})")));
  CHECK_FALSE(read_ehlo_keywords(Value::atom("AUTH")));
}

TEST_CASE("EHLO keywords are normalised case-insensitively and written as given") {
  const EhloKeywords keywords{{"AUTH", "size", "Auth", "SIZE"}};
  CHECK(keywords.normalized() == EhloKeywords{{"AUTH", "size"}});
  CHECK(bytes_of(write_ehlo_keywords(keywords.normalized())) == "(AUTH,size)");
}

}  // namespace ocp::smtp::test
