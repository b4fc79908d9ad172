// Transactions through the project's real callout server (its sans-I/O
// connection handler with real plugins), byte for byte where it is about
// the wire: the convention of docs/ocp-conformance.md "Callout server
// dispatch", seen from the processor.

#include <doctest/doctest.h>

#include "link_harness.hpp"

namespace opes::processor::test {

namespace {

const std::string kStampHeader = "Add-Header: " + atom("X-Scanned-By: OPES-SMTP test") + "\r\n";

RealServer wired(std::vector<std::vector<std::string>> groups) {
  RealServer wire(settings_for(std::move(groups)));
  REQUIRE(wire.link.ready());
  wire.sent();
  wire.received();
  wire.events();
  return wire;
}

TransactionId begin(RealServer& wire, std::size_t group = 0,
                    std::vector<ocp::smtp::AmOption> meta = {}) {
  auto id = wire.link.begin(group, std::move(meta), wire.now);
  REQUIRE(id);
  wire.pump();
  return *id;
}

PartDisposition send(RealServer& wire, TransactionId id, const AmPart& part, std::string_view bytes,
                     bool starts_instance = true) {
  auto sent = wire.link.send(id, part, bytes, starts_instance, wire.now);
  REQUIRE_MESSAGE(sent, (sent ? std::string() : sent.error().reason));
  wire.pump();
  return *sent;
}

}  // namespace

TEST_CASE(
    "MAIL, two RCPTs and RAWDATA: recipient-map rewrites one recipient and header-stamp adds a "
    "header") {
  RealServer wire = wired({{std::string(kRecipientMap), std::string(kStamp)}});
  const TransactionId id = begin(wire);
  CHECK(id.value == 1);
  CHECK(wire.sent() == "TS 1 1;\r\nAMS 1;\r\n");
  CHECK(wire.received() == "AMS 1;\r\n");

  CHECK(send(wire, id, AmPart::mail, "<a@example.org>") == PartDisposition::adaptive);
  CHECK(wire.sent() == dum(1, 0, "AM-Part: MAIL\r\n" + kAllowAll, "<a@example.org>"));
  CHECK(wire.received() == dum(1, 0, "As-is: 0\r\nAM-Part: MAIL\r\n", "<a@example.org>"));
  auto answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].id == id);
  CHECK(answers[0].part == AmPart::mail);
  CHECK(answers[0].bytes.view() == "<a@example.org>");
  CHECK(answers[0].as_is);
  CHECK(answers[0].starts_instance);
  CHECK_FALSE(answers[0].smtp_error);

  CHECK(send(wire, id, AmPart::rcpt, "<paul@example.com> NOTIFY=NEVER") ==
        PartDisposition::adaptive);
  CHECK(wire.sent() ==
        dum(1, 15, "AM-Part: RCPT\r\n" + kAllowAll, "<paul@example.com> NOTIFY=NEVER"));
  CHECK(wire.received() ==
        dum(1, 15, "AM-Part: RCPT\r\n", "<paul.smith@example.net> NOTIFY=NEVER"));
  answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].part == AmPart::rcpt);
  CHECK(answers[0].bytes.view() == "<paul.smith@example.net> NOTIFY=NEVER");
  CHECK_FALSE(answers[0].as_is);

  send(wire, id, AmPart::rcpt, "<bob@example.org>");
  answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].bytes.view() == "<bob@example.org>");
  CHECK(answers[0].as_is);
  wire.sent();
  wire.received();

  // Content is answered after the AME.
  const std::string message = "Subject: hi\r\n\r\nHello\r\n";
  CHECK(send(wire, id, AmPart::rawdata, message) == PartDisposition::adaptive);
  CHECK(wire.sent().empty());  // still being coalesced
  REQUIRE(wire.link.end_original(id, wire.now));
  wire.pump();
  CHECK(wire.sent() == dum(1, 63, "AM-Part: RAWDATA\r\n" + kAllowAll, message) + "AME 1;\r\n");
  // The adapted offset counts the rewritten recipient (37 octets, not 31).
  CHECK(wire.received() == dum(1, 69, "As-is: 63\r\nAM-Part: RAWDATA\r\n" + kStampHeader, message) +
                               "AME 1;\r\nTE 1;\r\n");
  auto all = wire.events();
  REQUIRE(all.size() == 3);
  const auto& content = std::get<AnswerReceived>(all[0]);
  CHECK(content.part == AmPart::rawdata);
  CHECK(content.as_is);
  REQUIRE(content.add_header.size() == 1);
  CHECK(content.add_header[0].text() == "X-Scanned-By: OPES-SMTP test");
  CHECK(std::get<AdaptedEnded>(all[1]).result.code == 200);
  const auto& finished = std::get<TransactionFinished>(all[2]);
  CHECK(finished.id == id);
  CHECK(finished.by_server);
  CHECK(finished.result.code == 200);
  CHECK(wire.link.open_transactions() == 0);
  // The proxy's finish() after the server's TE sends nothing.
  CHECK(wire.link.finish(id, wire.now));
  CHECK(wire.link.pending_output().empty());
}

TEST_CASE("AM-OPT with the session's meta information rides on the first DUM only") {
  RealServer wire = wired({{std::string(kStamp)}});
  const TransactionId id = begin(
      wire, 0, {{"client-address", "192.0.2.1"}, {"tls", "yes"}, {"auth", "alice@example.org"}});
  wire.sent();
  send(wire, id, AmPart::mail, "<>");
  CHECK(wire.sent() == dum(1, 0,
                           "AM-Part: MAIL\r\n" + kAllowAll +
                               "AM-OPT: ({client-address \"9:192.0.2.1\"},{tls yes},{auth "
                               "\"17:alice@example.org\"})\r\n",
                           "<>"));
  send(wire, id, AmPart::rcpt, "<b@example.org>");
  CHECK(wire.sent() == dum(1, 2, "AM-Part: RCPT\r\n" + kAllowAll, "<b@example.org>"));
}

TEST_CASE("content-filter rejects at RAWDATA with SMTP-Error and an empty payload") {
  RealServer wire = wired({{std::string(kFilter), std::string(kStamp)}});
  const TransactionId id = begin(wire);
  send(wire, id, AmPart::mail, "<a@example.org>");
  send(wire, id, AmPart::rcpt, "<b@example.org>");
  wire.events();
  wire.received();
  send(wire, id, AmPart::rawdata, "Subject: x\r\n\r\nsome forbidden ");
  send(wire, id, AmPart::rawdata, "words\r\n", false);
  REQUIRE(wire.link.end_original(id, wire.now));
  wire.pump();
  CHECK(wire.received() == "DUM 1 30\r\nAM-Part: RAWDATA\r\nSMTP-Error: " +
                               atom("550 5.7.1 Message content rejected") +
                               "\r\nAM-OPT: ({service content-filter})\r\n\r\n0:\r\n;\r\nAME 1;\r\nTE 1;\r\n");
  auto answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 1);
  REQUIRE(answers[0].smtp_error);
  CHECK(answers[0].smtp_error->wire() == "550 5.7.1 Message content rejected\r\n");
  CHECK(answers[0].bytes.empty());
  // smtp 3.4.3: the server names the refusing service for the processor's log.
  CHECK(answers[0].meta == std::vector<ocp::smtp::AmOption>{{"service", "content-filter"}});
}

TEST_CASE(
    "a rejected RCPT is answered at once with SMTP-Error (the test service rejects on request)") {
  // content-filter adapts RAWDATA only (docs/plugins/content-filter.md), so
  // a command rejection comes from the fixture service.
  RealServer wire = wired({{std::string(kThrowing)}});
  const TransactionId id = begin(wire);
  send(wire, id, AmPart::mail, "<a@example.org>");
  wire.events();
  send(wire, id, AmPart::rcpt, "reject:550 5.1.1 no such user");
  auto answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].part == AmPart::rcpt);
  REQUIRE(answers[0].smtp_error);
  CHECK(answers[0].smtp_error->code == 550);
  CHECK(answers[0].smtp_error->text() == "550 5.1.1 no such user");
  CHECK(answers[0].meta == std::vector<ocp::smtp::AmOption>{{"service", "throwing"}});
  // The session goes on with the next recipient.
  send(wire, id, AmPart::rcpt, "<c@example.org>");
  answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].as_is);
}

TEST_CASE("a service that throws ends the transaction with TE 400 from the server") {
  RealServer wire = wired({{std::string(kThrowing)}});
  const TransactionId id = begin(wire);
  send(wire, id, AmPart::mail, "throw");
  auto all = wire.events();
  REQUIRE(all.size() == 1);
  const auto& finished = std::get<TransactionFinished>(all[0]);
  CHECK(finished.id == id);
  CHECK(finished.by_server);
  CHECK(finished.result.code == 400);
  CHECK(finished.reason.find("service throwing") != std::string::npos);
  CHECK(wire.link.send(id, AmPart::rcpt, "<b@example.org>", true, wire.now).error().code ==
        LinkErrorCode::transaction_ended);
  // The link and its other transactions carry on.
  const TransactionId next = begin(wire);
  CHECK(send(wire, next, AmPart::mail, "<a@example.org>") == PartDisposition::adaptive);
  CHECK(all_of<AnswerReceived>(wire.events()).size() == 1);
}

TEST_CASE("a message over the server's max_buffered_part ends with a TE whose result names 552 5.3.4") {
  static const auto limited = build_real_catalog(R"(, "limits": {"max_buffered_part": 1024})");
  SUBCASE("Allow without SMTP-Error: the TE result carries the reply, the link hands it on") {
    LinkSettings settings = settings_for({{std::string(kStamp)}});
    settings.allow = ocp::smtp::SupportedParams{false, true, true, {}};
    RealServer wire(std::move(settings), limited);
    REQUIRE(wire.link.ready());
    wire.events();
    const TransactionId id = begin(wire);
    send(wire, id, AmPart::mail, "<a@example.org>");
    wire.events();
    send(wire, id, AmPart::rawdata, std::string(2000, 'a'));
    REQUIRE(wire.link.end_original(id, wire.now));
    wire.pump();
    auto all = wire.events();
    REQUIRE(all.size() == 1);
    const auto& finished = std::get<TransactionFinished>(all[0]);
    CHECK(finished.by_server);
    CHECK(finished.result.code == 400);
    REQUIRE(finished.smtp_error);
    CHECK(finished.smtp_error->text() ==
          "552 5.3.4 Message too big for content adaptation (max_buffered_part 1024 octets)");
    CHECK(wire.link.ready());  // the link carries on
  }
  SUBCASE("a TE 400 without the member, from a service, names no reply") {
    RealServer wire = wired({{std::string(kThrowing)}});
    const TransactionId id = begin(wire);
    send(wire, id, AmPart::mail, "throw");
    auto all = wire.events();
    REQUIRE(all.size() == 1);
    CHECK_FALSE(std::get<TransactionFinished>(all[0]).smtp_error);
  }
}

TEST_CASE(
    "informative parts go first with AM-Part only and get no answer, parts not negotiated are not "
    "sent") {
  RealServer wire = wired({{std::string(kThrowing)}});
  const TransactionId id = begin(wire, 0, {{"client-address", "192.0.2.1"}});
  wire.sent();
  wire.received();
  CHECK(send(wire, id, AmPart::ip(), "[192.0.2.1]") == PartDisposition::not_negotiated);
  CHECK(send(wire, id, AmPart::ehlo, "client.example.org") == PartDisposition::not_negotiated);
  CHECK(send(wire, id, AmPart::helo, "client.example.org") == PartDisposition::informative);
  CHECK(wire.sent() == dum(1, 0, "AM-Part: HELO\r\nAM-OPT: ({client-address \"9:192.0.2.1\"})\r\n",
                           "client.example.org"));
  CHECK(wire.received().empty());
  send(wire, id, AmPart::mail, "<a@example.org>");
  CHECK(wire.sent() == dum(1, 18, "AM-Part: MAIL\r\n" + kAllowAll, "<a@example.org>"));
  auto answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].part == AmPart::mail);
}

TEST_CASE("a 200 KiB RAWDATA streamed in pieces of 1000 octets travels as DUMs of at most 64 KiB") {
  RealServer wire = wired({{std::string(kStamp)}});
  const TransactionId id = begin(wire);
  wire.sent();
  std::string message = "Subject: big\r\n\r\n";
  while (message.size() < 200 * 1024) message += "0123456789abcdefghijklmnopqrstuvwxyz\r\n";
  message.resize(200 * 1024);
  for (std::size_t at = 0; at < message.size(); at += 1000) {
    REQUIRE(wire.link.send(id, AmPart::rawdata, std::string_view(message).substr(at, 1000), at == 0,
                           wire.now));
  }
  wire.pump();
  REQUIRE(wire.link.end_original(id, wire.now));
  wire.pump();
  const std::string sent = wire.sent();
  std::string expected;
  for (std::size_t at = 0; at < message.size(); at += 65536) {
    expected += dum(1, static_cast<unsigned>(at), "AM-Part: RAWDATA\r\n" + kAllowAll,
                    std::string_view(message).substr(at, 65536));
  }
  CHECK(sent == expected + "AME 1;\r\n");
  CHECK(wire.link.output_size() == 0);
  // The answer comes back whole, in DUMs of the server's own size.
  std::string adapted;
  auto all = wire.events();
  for (const auto& answer : all_of<AnswerReceived>(all)) {
    CHECK(answer.starts_instance == adapted.empty());
    adapted += answer.bytes.view();
  }
  CHECK(adapted == message);
  CHECK(first_of<TransactionFinished>(all)->result.code == 200);
}

TEST_CASE("two transactions interleaved on one link get their own answers") {
  RealServer wire = wired({{std::string(kRecipientMap)}, {std::string(kStamp)}});
  const TransactionId first = begin(wire, 0);
  const TransactionId second = begin(wire, 1);
  CHECK(wire.sent() == "TS 1 1;\r\nAMS 1;\r\nTS 2 2;\r\nAMS 2;\r\n");
  send(wire, first, AmPart::mail, "<a@example.org>");
  send(wire, second, AmPart::mail, "<x@example.org>");
  send(wire, first, AmPart::rcpt, "<paul@example.com>");
  send(wire, second, AmPart::rcpt, "<paul@example.com>");
  auto answers = all_of<AnswerReceived>(wire.events());
  REQUIRE(answers.size() == 4);
  CHECK(answers[0].id == first);
  CHECK(answers[1].id == second);
  CHECK(answers[2].id == first);
  CHECK(answers[2].bytes.view() == "<paul.smith@example.net>");  // group 0 maps recipients
  CHECK(answers[3].id == second);
  CHECK(answers[3].bytes.view() == "<paul@example.com>");  // group 1 only stamps
  send(wire, second, AmPart::rawdata, "Subject: 2\r\n\r\n");
  send(wire, first, AmPart::rawdata, "Subject: 1\r\n\r\n");
  REQUIRE(wire.link.end_original(second, wire.now));
  wire.pump();
  auto all = wire.events();
  REQUIRE(first_of<TransactionFinished>(all));
  CHECK(first_of<TransactionFinished>(all)->id == second);
  REQUIRE(wire.link.end_original(first, wire.now));
  wire.pump();
  all = wire.events();
  REQUIRE(first_of<AnswerReceived>(all));
  CHECK(first_of<AnswerReceived>(all)->add_header.empty());
  CHECK(first_of<TransactionFinished>(all)->id == first);
}

TEST_CASE("finish after MAIL only, as on RSET, sends TE and the server forgets the transaction") {
  RealServer wire = wired({{std::string(kStamp)}});
  const TransactionId id = begin(wire);
  send(wire, id, AmPart::mail, "<a@example.org>");
  wire.sent();
  wire.received();
  wire.events();
  REQUIRE(wire.link.finish(id, wire.now));
  wire.pump();
  CHECK(wire.sent() == "TE 1;\r\n");
  CHECK(wire.received().empty());
  CHECK(wire.events().empty());  // the proxy ended it itself
  CHECK(wire.link.open_transactions() == 0);
  // A new transaction on the same link works.
  const TransactionId next = begin(wire);
  CHECK(next.value == 2);
  CHECK(send(wire, next, AmPart::mail, "<a@example.org>") == PartDisposition::adaptive);
}

TEST_CASE("close waits for the open transaction then sends CE 200") {
  RealServer wire = wired({{std::string(kStamp)}});
  const TransactionId id = begin(wire);
  wire.sent();
  REQUIRE(wire.link.close(wire.now));
  CHECK_FALSE(wire.link.ready());
  CHECK(wire.link.begin(0, {}, wire.now).error().code == LinkErrorCode::closing);
  wire.pump();
  CHECK(wire.sent().empty());
  REQUIRE(wire.link.finish(id, wire.now));
  wire.pump();
  CHECK(wire.sent() == "TE 1;\r\nCE {200 OK};\r\n");
  CHECK(wire.link.closed());
  CHECK_FALSE(wire.link.failed());
  CHECK(first_of<LinkClosed>(wire.events()));
}

}  // namespace opes::processor::test
