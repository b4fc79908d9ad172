// RFC 4037 §2.7 and §11.22: answers that do not come, a transport that
// closes, and health probes. Time only enters through the caller.

#include <doctest/doctest.h>

#include "link_harness.hpp"

namespace opes::processor::test {

TEST_CASE("a command part without an answer within 30 s ends its transaction, naming the part") {
  CalloutLink link = negotiated_link();
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::mail, "<a@example.org>", true, t0 + 1s));
  take(link);
  REQUIRE(link.next_deadline());
  CHECK(*link.next_deadline() == t0 + 31s);
  link.on_timer(t0 + 30s);
  CHECK(take(link).empty());
  link.on_timer(t0 + 31s);
  CHECK(take(link) == "TE 1 {400 " + atom("no answer for MAIL within 30 s") + "};\r\n");
  auto finished = first_of<TransactionFinished>(events(link));
  REQUIRE(finished);
  CHECK(finished->reason == "no answer for MAIL within 30 s");
  CHECK_FALSE(finished->by_server);
  CHECK_FALSE(link.next_deadline());
}

TEST_CASE("content answers are awaited 120 s from the end of the original message") {
  CalloutLink link = negotiated_link();
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::rawdata, "Subject: x\r\n\r\n", true, t0));
  CHECK_FALSE(link.next_deadline());  // the server answers content after our AME
  REQUIRE(link.end_original(*id, t0 + 5s));
  take(link);
  REQUIRE(link.next_deadline());
  CHECK(*link.next_deadline() == t0 + 125s);
  link.on_timer(t0 + 125s);
  const std::string reason =
      "no answer for RAWDATA within 120 s of the end of the original message";
  CHECK(take(link) == "TE 1 {400 " + atom(reason) + "};\r\n");
  CHECK(first_of<TransactionFinished>(events(link))->reason == reason);
}

TEST_CASE("after the content answers the TE is still awaited within the content timeout") {
  CalloutLink link = negotiated_link();
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::rawdata, "x", true, t0));
  REQUIRE(link.end_original(*id, t0));
  take(link);
  link.receive("AMS 1;\r\n" + dum(1, 0, "As-is: 0\r\nAM-Part: RAWDATA\r\n", "x") + "AME 1;\r\n",
               t0 + 1s);
  events(link);
  link.on_timer(t0 + 120s);
  const std::string reason =
      "no end of the transaction within 120 s of the end of the original message";
  CHECK(take(link) == "TE 1 {400 " + atom(reason) + "};\r\n");
}

TEST_CASE("EOF in the middle of a transaction finishes it first, then the link fails") {
  CalloutLink link = negotiated_link();
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::mail, "<a@example.org>", true, t0));
  take(link);
  link.receive("AMS 1;\r\n", t0);
  link.receive_eof(t0 + 1s);
  CHECK(take(link).empty());  // nothing can be sent any more
  auto all = events(link);
  REQUIRE(all.size() == 2);
  const std::string reason =
      "the callout server ended the connection: 400 transport closed without CE";
  const auto& finished = std::get<TransactionFinished>(all[0]);
  CHECK(finished.id == *id);
  CHECK(finished.result.code == 400);
  CHECK(finished.reason == reason);
  CHECK(std::get<LinkFailed>(all[1]).reason == reason);
  CHECK(link.failed());
  CHECK_FALSE(link.ready());
  CHECK(link.open_transactions() == 0);
  CHECK(link.send(*id, AmPart::rcpt, "<b@example.org>", true, t0).error().code ==
        LinkErrorCode::transaction_ended);
}

TEST_CASE("the callout server's CE fails the link and every open transaction") {
  CalloutLink link = negotiated_link();
  REQUIRE(link.begin(0, {}, t0));
  REQUIRE(link.begin(0, {}, t0));
  take(link);
  link.receive("CE {400 draining};\r\n", t0);
  auto all = events(link);
  REQUIRE(all.size() == 3);
  CHECK(std::get<TransactionFinished>(all[0]).id == TransactionId{1});
  CHECK(std::get<TransactionFinished>(all[1]).id == TransactionId{2});
  CHECK(std::get<LinkFailed>(all[2]).reason ==
        "the callout server ended the connection: 400 draining");
}

TEST_CASE("a probe is a PQ, and its PA gives the round trip") {
  CalloutLink link = negotiated_link();
  REQUIRE(link.probe(t0));
  CHECK(take(link) == "PQ;\r\n");
  REQUIRE(link.next_deadline());
  CHECK(*link.next_deadline() == t0 + 5s);
  link.receive("PA;\r\n", t0 + 250ms);
  auto answered = first_of<ProbeAnswered>(events(link));
  REQUIRE(answered);
  CHECK(answered->round_trip == 250ms);
  CHECK_FALSE(link.next_deadline());
}

TEST_CASE("a probe without an answer within 5 s fails the link after finishing its transactions") {
  CalloutLink link = negotiated_link();
  REQUIRE(link.begin(0, {}, t0));
  REQUIRE(link.probe(t0));
  take(link);
  link.on_timer(t0 + 4s);
  CHECK_FALSE(link.failed());
  link.on_timer(t0 + 5s);
  const std::string reason = "no answer to the health probe within 5 s";
  CHECK(take(link) == "CE {400 " + atom(reason) + "};\r\n");
  auto all = events(link);
  REQUIRE(all.size() == 2);
  CHECK(std::get<TransactionFinished>(all[0]).reason == reason);
  CHECK(std::get<LinkFailed>(all[1]).reason == reason);
}

TEST_CASE("a probe before the link is ready is refused") {
  CalloutLink link(settings_for({{"svc"}}), t0);
  CHECK(link.probe(t0).error().code == LinkErrorCode::not_ready);
}

}  // namespace opes::processor::test
