// A hand-driven callout server that breaks the rules: each answer the
// processor cannot use ends its transaction with TE 400 naming the rule,
// and the link never crashes nor leaves a transaction waiting.

#include <doctest/doctest.h>

#include <random>

#include "link_harness.hpp"

namespace opes::processor::test {

namespace {

/// A negotiated link with transaction 1 open and MAIL sent; output taken.
CalloutLink with_mail_sent(std::string_view informative = "(EHLO)",
                           LinkSettings settings = settings_for({{"svc"}})) {
  CalloutLink link = negotiated_link("(MAIL,RCPT,RAWDATA)", informative, std::move(settings));
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::mail, "<a@example.org>", true, t0));
  take(link);
  link.receive("AMS 1;\r\n", t0);
  return link;
}

/// The link's TE for transaction 1 and the TransactionFinished it reported.
void check_ended(CalloutLink& link, const std::string& reason) {
  CHECK(take(link) == "TE 1 {400 " + atom(reason) + "};\r\n");
  auto all = events(link);
  REQUIRE(all.size() == 1);
  const auto& finished = std::get<TransactionFinished>(all[0]);
  CHECK(finished.id == TransactionId{1});
  CHECK(finished.result.code == 400);
  CHECK_FALSE(finished.by_server);
  CHECK(finished.reason == reason);
  CHECK(link.open_transactions() == 0);
  CHECK(link.ready());  // the link itself carries on
}

}  // namespace

TEST_CASE("an answer for a part that was not sent ends the transaction") {
  CalloutLink link = with_mail_sent();
  link.receive(dum(1, 0, "As-is: 0\r\nAM-Part: MAIL\r\n", "<a@example.org>"), t0);
  CHECK(all_of<AnswerReceived>(events(link)).size() == 1);
  link.receive(dum(1, 15, "AM-Part: RAWDATA\r\n", "x"), t0);
  check_ended(link, "an answer for RAWDATA, but no adaptive part awaits an answer");
}

TEST_CASE("an answer for a later part before the one due ends the transaction") {
  CalloutLink link = with_mail_sent();
  REQUIRE(link.send(TransactionId{1}, AmPart::rcpt, "<b@example.org>", true, t0));
  take(link);
  link.receive(dum(1, 0, "AM-Part: RCPT\r\n", "<b@example.org>"), t0);
  check_ended(link, "an answer for RCPT before the answer for MAIL");
}

TEST_CASE("an answer for an informative part ends the transaction (A-28)") {
  CalloutLink link = with_mail_sent();
  link.receive(dum(1, 0, "AM-Part: EHLO\r\n", "x"), t0);
  check_ended(link, "A-28: an answer for EHLO, an informative part");
}

TEST_CASE("an answer for a part that was not negotiated ends the transaction (A-28)") {
  CalloutLink link = with_mail_sent();
  link.receive(dum(1, 0, "AM-Part: BODY\r\n", "x"), t0);
  check_ended(link, "A-28: an answer for BODY, which is not an adaptive part");
}

TEST_CASE("an answer without AM-Part ends the transaction (smtp 3.3.1)") {
  CalloutLink link = with_mail_sent();
  link.receive("DUM 1 0\r\n1:x\r\n;\r\n", t0);
  check_ended(link, "smtp §3.3.1: a DUM of an SMTP profile transaction must carry AM-Part");
}

TEST_CASE("SMTP-Error when the Allow list did not name it ends the transaction (smtp 3.3.3)") {
  LinkSettings settings = settings_for({{"svc"}});
  settings.allow = ocp::smtp::SupportedParams{false, false, true, {}};
  CalloutLink link = negotiated_link("(MAIL,RCPT,RAWDATA)", "", std::move(settings));
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::mail, "<a@example.org>", true, t0));
  CHECK(take(link) == "TS 1 1;\r\nAMS 1;\r\n" +
                          dum(1, 0, "AM-Part: MAIL\r\nAllow: (Add-Header)\r\n", "<a@example.org>"));
  link.receive(
      "AMS 1;\r\n" + dum(1, 0, "AM-Part: MAIL\r\nSMTP-Error: " + atom("550 no") + "\r\n", ""), t0);
  const std::string out = take(link);
  CHECK(out.starts_with("TE 1 {400 "));
  CHECK(out.find("SMTP-Error") != std::string::npos);
  auto finished = first_of<TransactionFinished>(events(link));
  REQUIRE(finished);
  CHECK(finished->reason.starts_with("smtp §3.3.3"));
}

TEST_CASE("a DUY ends the transaction: the processor never announced Kept") {
  CalloutLink link = with_mail_sent();
  link.receive("DUY 1 0 15;\r\n", t0);
  check_ended(link, "DUY outside preserved data");
}

TEST_CASE("an SMTP-Error answer is handed over with its reply and an empty payload") {
  CalloutLink link = with_mail_sent();
  link.receive(
      dum(1, 0,
          "AM-Part: MAIL\r\nSMTP-Error: " + atom("553-5.1.8 bad\r\n553 5.1.8 sender") + "\r\n", ""),
      t0);
  CHECK(take(link).empty());
  auto answer = first_of<AnswerReceived>(events(link));
  REQUIRE(answer);
  REQUIRE(answer->smtp_error);
  CHECK(answer->smtp_error->wire() == "553-5.1.8 bad\r\n553 5.1.8 sender\r\n");
  CHECK(answer->bytes.empty());
}

TEST_CASE("AME before every adaptive part was answered ends the transaction") {
  CalloutLink link = with_mail_sent();
  link.receive("AME 1;\r\n", t0);
  check_ended(link, "AME before the answer for MAIL");
}

TEST_CASE("a content answer may span several DUMs, only the first starts the instance") {
  CalloutLink link = with_mail_sent();
  REQUIRE(link.send(TransactionId{1}, AmPart::rawdata, "Subject: x\r\n\r\nbody\r\n", true, t0));
  REQUIRE(link.end_original(TransactionId{1}, t0));
  take(link);
  link.receive(dum(1, 0, "As-is: 0\r\nAM-Part: MAIL\r\n", "<a@example.org>") +
                   dum(1, 15, "AM-Part: RAWDATA\r\n", "Subject: y\r\n") +
                   dum(1, 27, "AM-Part: RAWDATA\r\n", "\r\nnew body\r\n") + "AME 1;\r\nTE 1;\r\n",
               t0);
  CHECK(take(link).empty());
  auto all = events(link);
  auto answers = all_of<AnswerReceived>(all);
  REQUIRE(answers.size() == 3);
  CHECK(answers[1].starts_instance);
  CHECK_FALSE(answers[2].starts_instance);
  CHECK(first_of<AdaptedEnded>(all));
  CHECK(first_of<TransactionFinished>(all)->by_server);
}

TEST_CASE("random peer bytes never crash the link and leave no transaction waiting") {
  const std::vector<std::string> pieces = {
      "CS;\r\n",
      "AMS 1;\r\n",
      "AME 1;\r\n",
      "TE 1;\r\n",
      "TE 2 {400 x};\r\n",
      "PA;\r\n",
      "CE;\r\n",
      dum(1, 0, "AM-Part: MAIL\r\n", "<a@b>"),
      dum(1, 5, "AM-Part: RAWDATA\r\n", "xy"),
      dum(2, 0, "AM-Part: RCPT\r\nSMTP-Error: " + atom("550 no") + "\r\n", ""),
      dum(1, 0, "As-is: 99\r\nAM-Part: RCPT\r\nAdvice: Discard\r\n", "z"),
      "DUY 2 0 3;\r\n",
      "DWP 1 3;\r\n",
      "DWM 1;\r\n",
      "DWSS 2;\r\n",
      "NO ({x});\r\n",
      "SGC 9 ({y});\r\n",
      ";",
      "\r\n",
      "{",
      "(",
      "\"3:a",
      "DUM 1",
      "\x00\xff"};
  std::mt19937 random(20240611);
  for (int run = 0; run < 300; ++run) {
    CalloutLink link = negotiated_link();
    auto first = link.begin(0, {{"tls", "yes"}}, t0);
    auto second = link.begin(0, {}, t0);
    REQUIRE(first);
    REQUIRE(second);
    (void)link.send(*first, AmPart::mail, "<a@b>", true, t0);
    (void)link.send(*second, AmPart::rcpt, "<c@d>", true, t0);
    std::string noise;
    for (int i = 0; i < 12; ++i) {
      if (random() % 3 == 0) {
        const std::size_t n = random() % 16;
        for (std::size_t k = 0; k < n; ++k) noise += static_cast<char>(random() % 256);
      } else {
        noise += pieces[random() % pieces.size()];
      }
    }
    std::size_t at = 0;
    while (at < noise.size()) {
      const std::size_t n = 1 + random() % 40;
      link.receive(std::string_view(noise).substr(at, n), t0);
      take(link);
      at += n;
    }
    (void)link.send(*first, AmPart::rawdata, "data", true, t0);
    (void)link.end_original(*first, t0);
    link.on_timer(t0 + 1h);
    link.receive_eof(t0 + 1h);
    // Both transactions have ended one way or another, and the link has failed.
    CHECK(link.open_transactions() == 0);
    CHECK(link.failed());
    CHECK_FALSE(link.next_deadline());
  }
}

}  // namespace opes::processor::test
