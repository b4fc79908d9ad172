#include "opes/smtp/path_argument.hpp"

#include <doctest/doctest.h>

#include <string>

namespace opes::smtp::test {

namespace {

std::string mail_error(std::string_view argument, PathOptions options = {}) {
  auto parsed = parse_mail_from(argument, options);
  REQUIRE_FALSE(parsed);
  return parsed.error().reply().wire();
}

std::string rcpt_error(std::string_view argument, PathOptions options = {}) {
  auto parsed = parse_rcpt_to(argument, options);
  REQUIRE_FALSE(parsed);
  return parsed.error().reply().wire();
}

}  // namespace

TEST_CASE("RFC 5321 4.1.2: a reverse-path reads as the mailbox inside the brackets") {
  auto mail = parse_mail_from("FROM:<steve@example.org>");
  REQUIRE(mail);
  CHECK(mail->path == "steve@example.org");
  CHECK(mail->parameters.empty());
}

TEST_CASE("FROM and TO are case-insensitive and spaces after the colon are tolerated") {
  CHECK(parse_mail_from("from:<a@example.org>")->path == "a@example.org");
  CHECK(parse_mail_from("From: <a@example.org>")->path == "a@example.org");
  CHECK(parse_rcpt_to("to:  <b@example.com>")->path == "b@example.com");
  CHECK(mail_error("<a@example.org>") == "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  CHECK(rcpt_error("TO <b@example.com>") == "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
}

TEST_CASE("RFC 5321 4.1.1.2: the null reverse-path is allowed for MAIL only") {
  auto mail = parse_mail_from("FROM:<>");
  REQUIRE(mail);
  CHECK(mail->path.empty());
  CHECK(rcpt_error("TO:<>") == "501 5.1.3 Bad recipient address syntax: empty forward-path\r\n");
}

TEST_CASE("RFC 5321 4.1.1.3: Postmaster without a domain is a forward-path only") {
  CHECK(parse_rcpt_to("TO:<Postmaster>")->path == "Postmaster");
  CHECK(parse_rcpt_to("TO:<postMASTER>")->path == "postMASTER");
  CHECK(mail_error("FROM:<Postmaster>") == "501 5.1.7 Bad sender address syntax: missing '@'\r\n");
}

TEST_CASE("RFC 5321 appendix C: a source route is accepted and dropped") {
  CHECK(parse_rcpt_to("TO:<@relay1.example,@relay2.example:joe@example.com>")->path ==
        "joe@example.com");
  CHECK(parse_mail_from("FROM:<@a.example:joe@example.com>")->path == "joe@example.com");
  CHECK(rcpt_error("TO:<@relay1.example,:joe@example.com>") ==
        "501 5.1.3 Bad recipient address syntax: bad source route\r\n");
  CHECK(rcpt_error("TO:<@relay1.example joe@example.com>") ==
        "501 5.1.3 Bad recipient address syntax: bad source route\r\n");
}

TEST_CASE("RFC 5321 4.1.2: a quoted local-part may hold spaces and angle brackets") {
  auto mail = parse_mail_from("FROM:<\"john > doe\\\"\"@example.org> SIZE=10");
  REQUIRE(mail);
  CHECK(mail->path == "\"john > doe\\\"\"@example.org");
  REQUIRE(mail->parameters.size() == 1);
  CHECK(mail_error("FROM:<\"open@example.org>") ==
        "501 5.1.7 Bad sender address syntax: missing '>'\r\n");
}

TEST_CASE("RFC 5321 4.1.3: address literals are IPv4 IPv6 or a tagged general literal") {
  CHECK(parse_rcpt_to("TO:<postmaster@[192.0.2.1]>"));
  CHECK(parse_rcpt_to("TO:<postmaster@[IPv6:2001:db8::1]>"));
  CHECK(parse_rcpt_to("TO:<postmaster@[x-tag:opaque]>"));
  CHECK(rcpt_error("TO:<postmaster@[192.0.2.256]>") ==
        "501 5.1.3 Bad recipient address syntax: bad address literal\r\n");
  CHECK_FALSE(parse_rcpt_to("TO:<postmaster@[IPv6:2001:db8::zz]>"));
  CHECK_FALSE(parse_rcpt_to("TO:<postmaster@[]>"));
}

TEST_CASE("RFC 5321 4.1.2: malformed mailboxes are refused naming the fault") {
  CHECK(mail_error("FROM:a@example.org") ==
        "501 5.1.7 Bad sender address syntax: the path must be enclosed in '<' and '>'\r\n");
  CHECK(mail_error("FROM:<a@example.org") ==
        "501 5.1.7 Bad sender address syntax: missing '>'\r\n");
  CHECK(mail_error("FROM:<a..b@example.org>") ==
        "501 5.1.7 Bad sender address syntax: bad local-part\r\n");
  CHECK(mail_error("FROM:<a@-example.org>") ==
        "501 5.1.7 Bad sender address syntax: bad domain\r\n");
  CHECK(mail_error("FROM:<a@example..org>") ==
        "501 5.1.7 Bad sender address syntax: bad domain\r\n");
  CHECK(mail_error("FROM:<a@>") == "501 5.1.7 Bad sender address syntax: missing domain\r\n");
  CHECK(mail_error("FROM:<a@example.org>SIZE=1") ==
        "501 5.1.7 Bad sender address syntax: text after '>' must follow a space\r\n");
  CHECK(rcpt_error("TO:<b example@example.com>") ==
        "501 5.1.3 Bad recipient address syntax: bad local-part\r\n");
}

TEST_CASE("RFC 5321 4.5.3.1.3: a path longer than 256 octets is refused") {
  const std::string local(64, 'l');
  std::string domain;
  while (domain.size() < 170) domain += "abcdefghij.";
  domain += "example";  // 183 octets: <64@183> is 250 octets
  CHECK(parse_rcpt_to("TO:<" + local + "@" + domain + ">"));
  CHECK(parse_rcpt_to("TO:<" + local + "@" + domain + ".abcde>"));  // 256
  CHECK(rcpt_error("TO:<" + local + "@" + domain + ".abcdef>") ==
        "501 5.1.3 Bad recipient address syntax: path longer than 256 octets\r\n");
}

TEST_CASE("RFC 5321 4.1.2: parameters keep the keyword as sent and an optional value") {
  auto mail = parse_mail_from("FROM:<a@example.org> size=1024 Body=8BITMIME  SMTPUTF8 ");
  REQUIRE(mail);
  REQUIRE(mail->parameters.size() == 3);
  CHECK(mail->parameters[0] == MailParameter{"size", "1024"});
  CHECK(mail->parameters[1] == MailParameter{"Body", "8BITMIME"});
  CHECK(mail->parameters[2] == MailParameter{"SMTPUTF8", std::nullopt});
  CHECK(mail->find("SIZE") == &mail->parameters[0]);
  CHECK(mail->find("ENVID") == nullptr);
  auto rcpt = parse_rcpt_to("TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.com");
  REQUIRE(rcpt);
  CHECK(rcpt->parameters.size() == 2);
}

TEST_CASE("RFC 5321 4.1.1.11: malformed parameters are refused with 555 5.5.4") {
  CHECK(mail_error("FROM:<a@example.org> SIZE=1 size=2") == "555 5.5.4 Duplicate parameter\r\n");
  CHECK(mail_error("FROM:<a@example.org> -X=1") == "555 5.5.4 Bad parameter keyword syntax\r\n");
  CHECK(mail_error("FROM:<a@example.org> X=") == "555 5.5.4 Bad parameter value syntax\r\n");
  CHECK(mail_error("FROM:<a@example.org> X=a=b") == "555 5.5.4 Bad parameter value syntax\r\n");
  CHECK(rcpt_error("TO:<b@example.com> =1") == "555 5.5.4 Bad parameter keyword syntax\r\n");
  std::string many = "FROM:<a@example.org>";
  for (int i = 0; i < 33; ++i) many += " X" + std::to_string(i);
  CHECK(mail_error(many) == "555 5.5.4 Too many parameters\r\n");
}

TEST_CASE("RFC 6531 3.3: UTF-8 in a path needs SMTPUTF8") {
  const std::string utf8_mail =
      "FROM:<j\xC3\xB6rg@b\xC3\xBC"
      "cher.example>";
  CHECK(mail_error(utf8_mail) == "553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n");
  auto with_parameter = parse_mail_from(utf8_mail + " SMTPUTF8");
  REQUIRE(with_parameter);
  CHECK(with_parameter->path ==
        "j\xC3\xB6rg@b\xC3\xBC"
        "cher.example");
  const std::string utf8_rcpt = "TO:<\xE7\x94\xA8\xE6\x88\xB7@example.com>";
  CHECK(rcpt_error(utf8_rcpt) == "553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n");
  CHECK(parse_rcpt_to(utf8_rcpt, PathOptions{.smtputf8 = true}));
  CHECK(rcpt_error("TO:<\xC3\x28@example.com>", PathOptions{.smtputf8 = true}) ==
        "501 5.1.3 Bad recipient address syntax: malformed UTF-8\r\n");
  CHECK(mail_error("FROM:<a@example.org> X=\xC3\xA9") ==
        "555 5.5.4 Bad parameter value syntax\r\n");
  CHECK(parse_mail_from("FROM:<a@example.org> SMTPUTF8 X=\xC3\xA9"));
}

TEST_CASE("draft 3.1: the am-part payload form round-trips through format and parse") {
  auto mail = parse_mail_from("from: <@r.example:a@example.org> size=10 BODY=7BIT opestrace");
  REQUIRE(mail);
  const std::string payload = format_path_argument(*mail);
  CHECK(payload == "<a@example.org> size=10 BODY=7BIT opestrace");
  auto back = parse_path_payload(payload, PathRole::reverse_path);
  REQUIRE(back);
  CHECK(*back == *mail);
  CHECK(format_path_argument(PathArgument{"", {}}) == "<>");
  CHECK(parse_path_payload("<steve@example.org>", PathRole::forward_path)->path ==
        "steve@example.org");
}

TEST_CASE("a changed payload from the callout server is checked before it goes upstream") {
  CHECK_FALSE(parse_path_payload("FROM:<a@example.org>", PathRole::reverse_path));
  CHECK_FALSE(parse_path_payload("<>", PathRole::forward_path));
  CHECK_FALSE(parse_path_payload("<a@example.org> SIZE=big", PathRole::reverse_path));
  CHECK_FALSE(
      parse_path_payload("<a@example.org>\r\nRCPT TO:<x@example.net>", PathRole::forward_path));
  CHECK_FALSE(parse_path_payload(" <a@example.org>", PathRole::forward_path));
}

TEST_CASE("RFC 2034: error replies leave out the enhanced code when it is not advertised") {
  auto parsed = parse_mail_from("FROM:<a@>");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().reply(false).wire() == "501 Bad sender address syntax: missing domain\r\n");
}

}  // namespace opes::smtp::test
