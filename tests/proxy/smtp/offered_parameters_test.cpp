#include "opes/smtp/offered_parameters.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

namespace {

PathArgument mail(std::string_view argument) {
  auto parsed = parse_mail_from(argument);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().reason));
  return *parsed;
}

PathArgument rcpt(std::string_view argument) {
  auto parsed = parse_rcpt_to(argument);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().reason));
  return *parsed;
}

/// "" when taken, else the reply on the wire.
std::string mail_verdict(std::string_view argument,
                         OfferedExtensions offered = OfferedExtensions::all()) {
  auto checked = check_offered_parameters(mail(argument), PathRole::reverse_path, offered);
  return checked ? "" : checked.error().reply().wire();
}

std::string rcpt_verdict(std::string_view argument,
                         OfferedExtensions offered = OfferedExtensions::all()) {
  auto checked = check_offered_parameters(rcpt(argument), PathRole::forward_path, offered);
  return checked ? "" : checked.error().reply().wire();
}

}  // namespace

TEST_CASE("RFC 5321 4.1.1.11: a parameter of no advertised extension gets 555 5.5.4") {
  CHECK(mail_verdict("FROM:<a@example.org> FOO=bar") == "555 5.5.4 FOO is not offered\r\n");
  CHECK(rcpt_verdict("TO:<b@example.org> XYZ") == "555 5.5.4 XYZ is not offered\r\n");
  // The keyword as the client spelled it.
  CHECK(mail_verdict("FROM:<a@example.org> SIZE=10 xFoo=1") == "555 5.5.4 xFoo is not offered\r\n");
}

TEST_CASE("each extension's parameters are taken only when it was advertised") {
  OfferedExtensions none;
  CHECK(mail_verdict("FROM:<a@example.org> SIZE=10", none) == "555 5.5.4 SIZE is not offered\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> BODY=8BITMIME", none) ==
        "555 5.5.4 BODY is not offered\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> SMTPUTF8", none) ==
        "555 5.5.4 SMTPUTF8 is not offered\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> RET=HDRS", none) == "555 5.5.4 RET is not offered\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> OPESTRACE", none) ==
        "555 5.5.4 OPESTRACE is not offered\r\n");
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=NEVER", none) ==
        "555 5.5.4 NOTIFY is not offered\r\n");
  CHECK(mail_verdict("FROM:<a@example.org>", none) == "");
  OfferedExtensions dsn_only;
  dsn_only.dsn = true;
  CHECK(mail_verdict("FROM:<a@example.org> RET=FULL ENVID=x", dsn_only) == "");
  CHECK(mail_verdict("FROM:<a@example.org> ret=full SIZE=1", dsn_only) ==
        "555 5.5.4 SIZE is not offered\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> SIZE=10 BODY=7BIT SMTPUTF8 RET=FULL ENVID=Q1 "
                     "OPESTRACE OPESBYPASS=*") == "");
}

TEST_CASE("RFC 3461 4: DSN parameters belong to their command") {
  CHECK(mail_verdict("FROM:<a@example.org> NOTIFY=NEVER") == "555 5.5.4 NOTIFY is not offered\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> ORCPT=rfc822;a@example.org") ==
        "555 5.5.4 ORCPT is not offered\r\n");
  CHECK(rcpt_verdict("TO:<b@example.org> RET=FULL") == "555 5.5.4 RET is not offered\r\n");
  CHECK(rcpt_verdict("TO:<b@example.org> ENVID=x") == "555 5.5.4 ENVID is not offered\r\n");
  CHECK(rcpt_verdict("TO:<b@example.org> SIZE=1") == "555 5.5.4 SIZE is not offered\r\n");
}

TEST_CASE("RFC 3461 4.3: RET is FULL or HDRS") {
  CHECK(mail_verdict("FROM:<a@example.org> RET=HDRS") == "");
  CHECK(mail_verdict("FROM:<a@example.org> RET=full") == "");
  CHECK(mail_verdict("FROM:<a@example.org> RET=BODY") == "501 5.5.4 RET must be FULL or HDRS\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> RET") == "501 5.5.4 RET must be FULL or HDRS\r\n");
}

TEST_CASE("RFC 3461 4.4: ENVID is xtext of printable US-ASCII of at most 100 characters") {
  CHECK(mail_verdict("FROM:<a@example.org> ENVID=QQ314159") == "");
  CHECK(mail_verdict("FROM:<a@example.org> ENVID=a+20b") == "");
  CHECK(mail_verdict("FROM:<a@example.org> ENVID=" + std::string(100, 'e')) == "");
  CHECK(mail_verdict("FROM:<a@example.org> ENVID=" + std::string(101, 'e')) ==
        "501 5.5.4 ENVID needs an xtext value of at most 100 characters\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> ENVID") ==
        "501 5.5.4 ENVID needs an xtext value of at most 100 characters\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> ENVID=a+2") == "501 5.5.4 ENVID value is not xtext\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> ENVID=a+2f") ==
        "501 5.5.4 ENVID value is not xtext\r\n");
  CHECK(mail_verdict("FROM:<a@example.org> ENVID=a+0Ab") ==
        "501 5.5.4 ENVID value is not printable US-ASCII\r\n");
}

TEST_CASE("RFC 3461 4.1: NOTIFY is NEVER or a list of SUCCESS FAILURE DELAY") {
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=NEVER") == "");
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=SUCCESS,FAILURE,DELAY") == "");
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=delay,success") == "");
  const std::string wrong =
      "501 5.5.4 NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY\r\n";
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=NEVER,SUCCESS") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=SUCCESS,SUCCESS") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=SUCCESS,") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=ALWAYS") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY") == wrong);
}

TEST_CASE("RFC 3461 4.2: ORCPT is an addr-type and xtext of at most 500 characters") {
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=rfc822;b@example.org") == "");
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=rfc822;b+2Bx@example.org") == "");
  CHECK(rcpt_verdict("TO:<b@example.org> NOTIFY=FAILURE ORCPT=rfc822;b@example.org") == "");
  const std::string wrong = "501 5.5.4 ORCPT must be addr-type;xtext of at most 500 characters\r\n";
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=b@example.org") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=;b@example.org") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=rfc822;") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=rfc(822);b@example.org") == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=rfc822;" + std::string(494, 'o')) == wrong);
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=rfc822;" + std::string(493, 'o')) == "");
  CHECK(rcpt_verdict("TO:<b@example.org> ORCPT=rfc822;b+ZZ") ==
        "501 5.5.4 ORCPT value is not xtext\r\n");
}

TEST_CASE("RFC 6533 3: a utf-8 ORCPT may hold UTF-8 in an SMTPUTF8 transaction") {
  auto parsed =
      parse_rcpt_to("TO:<b@example.org> ORCPT=utf-8;caf\xc3\xa9@example.org", PathOptions{true});
  REQUIRE(parsed);
  CHECK(check_offered_parameters(*parsed, PathRole::forward_path, OfferedExtensions::all()));
}

}  // namespace opes::smtp::test
