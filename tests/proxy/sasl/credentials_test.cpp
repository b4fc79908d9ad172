#include <doctest/doctest.h>

#include "opes/sasl/credentials.hpp"

using namespace opes::sasl;

TEST_CASE("a passwd-file style credentials file gives each user its contexts") {
  const auto credentials = parse_credentials(
      "# users of the submission example\n"
      "\n"
      "alice:{PLAIN}wonderland\n"
      "tim:{CRAM-MD5}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b\r\n"
      "bob:{cleartext}builder:1000:1000::/home/bob::\n");
  REQUIRE(credentials);
  CHECK(credentials->size() == 3);
  REQUIRE(credentials->find("alice"));
  CHECK(same_contexts(*credentials->find("alice"), hmac_md5_contexts("wonderland")));
  CHECK(same_contexts(*credentials->find("tim"), hmac_md5_contexts("tanstaaftanstaaf")));
  CHECK(same_contexts(*credentials->find("bob"), hmac_md5_contexts("builder")));
  CHECK_FALSE(credentials->find("Alice"));  // names are exact
  CHECK_FALSE(credentials->find("nobody"));
}

TEST_CASE("each malformed line is named by its number and cause") {
  auto error_of = [](std::string_view text) {
    auto parsed = parse_credentials(text);
    REQUIRE_FALSE(parsed);
    return parsed.error();
  };
  CHECK(error_of("a:{PLAIN}x\nno colon here\n") == "line 2: expected user:{SCHEME}secret");
  CHECK(error_of("a:plaintext\n") == "line 1: the password must start with a {SCHEME}: {PLAIN} or {CRAM-MD5}");
  CHECK(error_of("a:{SHA512-CRYPT}$6$x\n") == "line 1: unknown scheme {SHA512-CRYPT} (PLAIN or CRAM-MD5)");
  CHECK(error_of("a:{CRAM-MD5}abcd\n") == "line 1: a {CRAM-MD5} secret is 64 hex digits (doveadm pw -s CRAM-MD5)");
  CHECK(error_of("#\n\na:{PLAIN}x\na:{PLAIN}y\n") == "line 4: user 'a' again");
  CHECK(error_of(":{PLAIN}x\n") == "line 1: empty user name");
  CHECK(error_of("a:{PLAIN}\n") == "line 1: empty password");
  CHECK(error_of("a:{PLAIN\n") == "line 1: the {SCHEME} has no closing }");
  CHECK(error_of(std::string("a:{PLAIN}x\x01y\n")) == "line 1: holds a control character");
}

TEST_CASE("the file's size, line length, user count and name length are bounded") {
  CredentialsLimits limits;
  limits.max_file_size = 64;
  limits.max_line = 32;
  limits.max_users = 2;
  limits.max_user_name = 8;
  CHECK(parse_credentials(std::string(65, '#'), limits).error() == "larger than 64 octets");
  CHECK(parse_credentials("#" + std::string(32, 'x') + "\n", limits).error() == "line 1: longer than 32 octets");
  CHECK(parse_credentials("a:{PLAIN}1\nb:{PLAIN}2\nc:{PLAIN}3\n", limits).error() == "line 3: more than 2 users");
  CHECK(parse_credentials("abcdefghi:{PLAIN}1\n", limits).error() == "line 1: user name longer than 8 octets");
  CHECK(parse_credentials("a:{PLAIN}1\nb:{PLAIN}2\n", limits));
}
