#include "opes/smtp/client_commands.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

TEST_CASE("RFC 5321 4.1.1: commands to the upstream server end with CRLF") {
  CHECK(format_ehlo("proxy.example.org") == "EHLO proxy.example.org\r\n");
  CHECK(format_mail(PathArgument{"a@example.org", {{"SIZE", "100"}, {"SMTPUTF8", std::nullopt}}}) ==
        "MAIL FROM:<a@example.org> SIZE=100 SMTPUTF8\r\n");
  CHECK(format_mail(PathArgument{}) == "MAIL FROM:<>\r\n");
  CHECK(format_rcpt(PathArgument{"b@example.com", {{"NOTIFY", "NEVER"}}}) ==
        "RCPT TO:<b@example.com> NOTIFY=NEVER\r\n");
}

TEST_CASE("a parsed MAIL argument is forwarded in canonical form") {
  auto mail = parse_mail_from("from: <@relay.example:a@example.org>  body=8bitmime");
  REQUIRE(mail);
  CHECK(format_mail(*mail) == "MAIL FROM:<a@example.org> body=8bitmime\r\n");
}

}  // namespace opes::smtp::test
