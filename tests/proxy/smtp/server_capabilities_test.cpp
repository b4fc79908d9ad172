#include "opes/smtp/server_capabilities.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

TEST_CASE("RFC 5321 4.1.1.1: an EHLO reply lists the extensions by keyword") {
  const ocp::smtp::Reply reply{
      250,
      {"mx.example.org Hello client", "PIPELINING", "SIZE 10240000", "8bitmime", "STARTTLS",
       "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "OPES", "AUTH PLAIN LOGIN"}};
  const ServerCapabilities caps = parse_ehlo(reply);
  CHECK(caps.domain == "mx.example.org");
  CHECK(caps.pipelining);
  CHECK(caps.size);
  CHECK(caps.size_limit == 10240000u);
  CHECK(caps.eight_bit_mime);
  CHECK(caps.starttls);
  CHECK(caps.enhanced_status_codes);
  CHECK(caps.smtputf8);
  CHECK(caps.chunking);
  CHECK(caps.opes);
  CHECK(caps.has("auth"));
  CHECK_FALSE(caps.has("DSN"));
  CHECK(caps.keywords.size() == 9);
  CHECK(caps.keywords.back() == "AUTH PLAIN LOGIN");
}

TEST_CASE("RFC 1870 4: SIZE without a number announces no limit") {
  const ServerCapabilities caps = parse_ehlo(ocp::smtp::Reply{250, {"mx", "SIZE"}});
  CHECK(caps.size);
  CHECK(caps.size_limit == 0);
  CHECK(parse_ehlo(ocp::smtp::Reply{250, {"mx", "SIZE 12x"}}).size_limit == 0);
}

TEST_CASE("a reply other than 250 offers nothing") {
  const ServerCapabilities caps = parse_ehlo(ocp::smtp::Reply{502, {"5.5.1 EHLO not supported"}});
  CHECK(caps.domain.empty());
  CHECK(caps.keywords.empty());
  CHECK_FALSE(caps.pipelining);
  CHECK(parse_ehlo(ocp::smtp::Reply{250, {"mx.example.org"}}).keywords.empty());
}

}  // namespace opes::smtp::test
