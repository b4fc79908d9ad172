#include "opes/processor/agent_id.hpp"

#include <doctest/doctest.h>

#include <string>

namespace opes::processor::test {

TEST_CASE("Figure 17's agent ids are absolute URIs") {
  CHECK(is_absolute_uri("http://gateway.example.com/opes?session=33W9WIMC"));
  CHECK(is_absolute_uri("http://www.opes-services-4u.com/cat/?sid=123"));
  CHECK(is_absolute_uri("urn:example:opes:virus-scan"));
  CHECK(is_absolute_uri("http://[2001:db8::1]/opes"));
  CHECK(is_absolute_uri("http://example.com/a%2Cb"));
}

TEST_CASE("relative references, fragments, blanks and bad escapes are not absolute URIs") {
  CHECK_FALSE(is_absolute_uri(""));
  CHECK_FALSE(is_absolute_uri("virus-scan"));
  CHECK_FALSE(is_absolute_uri("/opes/virus"));
  CHECK_FALSE(is_absolute_uri("http:"));
  CHECK_FALSE(is_absolute_uri("1http://example.com/"));
  CHECK_FALSE(is_absolute_uri("http://example.com/#frag"));
  CHECK_FALSE(is_absolute_uri("http://example.com/a b"));
  CHECK_FALSE(is_absolute_uri("http://example.com/%2"));
  CHECK_FALSE(is_absolute_uri("http://example.com/%zz"));
  CHECK_FALSE(is_absolute_uri("http://example.com/\x01"));
  CHECK_FALSE(is_absolute_uri("http://example.com/caf\xc3\xa9"));
}

TEST_CASE("an opes agent id holds no comma or semicolon and has at most 512 octets") {
  CHECK(is_opes_agent_id("http://gateway.example.com/opes"));
  CHECK_FALSE(is_opes_agent_id("http://gateway.example.com/a,b"));
  CHECK_FALSE(is_opes_agent_id("http://gateway.example.com/a;b"));
  const std::string prefix = "http://example.com/";
  CHECK(is_opes_agent_id(prefix + std::string(512 - prefix.size(), 'x')));
  CHECK_FALSE(is_opes_agent_id(prefix + std::string(513 - prefix.size(), 'x')));
}

TEST_CASE("agent ids compare scheme and authority without case and the path with it") {
  CHECK(same_agent_id("HTTP://Gateway.Example.COM/opes", "http://gateway.example.com/opes"));
  CHECK_FALSE(same_agent_id("http://gateway.example.com/OPES", "http://gateway.example.com/opes"));
  CHECK(same_agent_id("URN:example:x", "urn:example:x"));
  CHECK_FALSE(same_agent_id("urn:Example:x", "urn:example:x"));
  CHECK_FALSE(same_agent_id("http://a.example/x", "http://a.example/x/"));
}

}  // namespace opes::processor::test
