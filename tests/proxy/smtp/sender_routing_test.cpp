#include "opes/smtp/sender_routing.hpp"

#include <doctest/doctest.h>

#include "opes/smtp/path_argument.hpp"

namespace opes::smtp::test {

namespace {

/// The routing operator of a RCPT argument as the session sees it: parsed
/// first, as the SMTP core does.
std::optional<char> routing_of_rcpt(std::string_view argument) {
  auto parsed = parse_rcpt_to(argument);
  REQUIRE(parsed);
  return sender_routing(parsed->path);
}

}  // namespace

TEST_CASE("sender routing: plain mailboxes and Postmaster carry none") {
  CHECK(sender_routing("user@localhost") == std::nullopt);
  CHECK(sender_routing("first.last+tag@Example.ORG") == std::nullopt);
  CHECK(sender_routing("Postmaster") == std::nullopt);
  CHECK(sender_routing("") == std::nullopt);
  CHECK(sender_routing("user@[192.0.2.1]") == std::nullopt);
}

TEST_CASE("sender routing: the percent hack, in any case") {
  CHECK(sender_routing("user%evil.com@localhost") == '%');
  CHECK(sender_routing("USER%EVIL.COM@LOCALHOST") == '%');
  CHECK(sender_routing("a%b%c@localhost") == '%');
  CHECK(sender_routing("%@localhost") == '%');
}

TEST_CASE("sender routing: UUCP bang paths") {
  CHECK(sender_routing("evil.com!user@localhost") == '!');
  CHECK(sender_routing("EVIL.COM!User@LocalHost") == '!');
  CHECK(sender_routing("a!b!user@localhost") == '!');
}

TEST_CASE("sender routing: quoted local parts are read after their quoted-pairs") {
  CHECK(sender_routing("\"user@evil.com\"@localhost") == '@');
  CHECK(sender_routing("\"user%evil.com\"@localhost") == '%');
  CHECK(sender_routing("\"evil.com!user\"@localhost") == '!');
  CHECK(sender_routing("\"a@b@c\"@localhost") == '@');       // several "@" in the quotes
  CHECK(sender_routing("\"user\\@evil.com\"@localhost") == '@');  // a quoted-pair "\@"
  CHECK(sender_routing("\"us\\\"er@x\"@localhost") == '@');        // "\"" does not end the string
  CHECK(sender_routing("\"us\\\"er\"@localhost") == std::nullopt);
  CHECK(sender_routing("\"with space\"@localhost") == std::nullopt);
  CHECK(sender_routing("\"back\\\\\"@localhost") == std::nullopt);  // "\\" is one backslash
  // Not a mailbox the parser would give: judged as routing, not passed.
  CHECK(sender_routing("\"unterminated@localhost").has_value());
  CHECK(sender_routing("\"unterminated") == '"');
  CHECK(sender_routing("\"trailing\\") == '"');
}

TEST_CASE("sender routing: every form as parsed from RCPT TO") {
  CHECK(routing_of_rcpt("TO:<user%evil.com@localhost>") == '%');
  CHECK(routing_of_rcpt("TO:<\"user@evil.com\"@localhost>") == '@');
  CHECK(routing_of_rcpt("TO:<\"user%evil.com\"@localhost>") == '%');
  CHECK(routing_of_rcpt("TO:<evil.com!user@localhost>") == '!');
  CHECK(routing_of_rcpt("to:<\"A\\@B\"@LOCALHOST>") == '@');
  CHECK(routing_of_rcpt("TO:<user@localhost>") == std::nullopt);
  CHECK(routing_of_rcpt("TO:<Postmaster>") == std::nullopt);
}

TEST_CASE("sender routing: a source route is dropped by the parser and the mailbox left is judged") {
  auto routed = parse_rcpt_to("TO:<@evil.com,@relay.example:user@localhost>");
  REQUIRE(routed);
  CHECK(routed->path == "user@localhost");
  CHECK(sender_routing(routed->path) == std::nullopt);
  CHECK(routing_of_rcpt("TO:<@evil.com:user%other.example@localhost>") == '%');
}

}  // namespace opes::smtp::test
