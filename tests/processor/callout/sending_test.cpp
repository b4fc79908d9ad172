// The original dataflow as the proxy drives it: order checked before
// anything is written, content coalesced and cut into DUMs, pauses
// honoured, bounds on output and transactions, TE on demand.

#include <doctest/doctest.h>

#include "link_harness.hpp"

namespace opes::processor::test {

namespace {

TransactionId begun(CalloutLink& link) {
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  take(link);
  return *id;
}

}  // namespace

TEST_CASE("MAIL after RCPT is refused as an error value and nothing is sent") {
  CalloutLink link = negotiated_link();
  const TransactionId id = begun(link);
  REQUIRE(link.send(id, AmPart::rcpt, "<b@example.org>", true, t0));
  take(link);
  auto refused = link.send(id, AmPart::mail, "<a@example.org>", true, t0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == LinkErrorCode::part_out_of_order);
  CHECK(refused.error().reason ==
        "smtp §3.2.1: MAIL after RCPT is out of SMTP order (RFC 2821 §4.1.4)");
  CHECK(take(link).empty());
}

TEST_CASE("a part that cannot span DUMs cannot be continued nor be larger than one DUM") {
  LinkSettings settings = settings_for({{"svc"}});
  settings.max_dum_payload = 8;
  CalloutLink link = negotiated_link("(MAIL,RCPT,RAWDATA)", "", std::move(settings));
  const TransactionId id = begun(link);
  CHECK(link.send(id, AmPart::mail, "<a@example.org>", true, t0).error().code ==
        LinkErrorCode::part_too_large);
  REQUIRE(link.send(id, AmPart::mail, "<a@b.c>", true, t0));
  CHECK(link.send(id, AmPart::mail, ">", false, t0).error().code ==
        LinkErrorCode::part_out_of_order);
}

TEST_CASE("content is cut at max_dum_payload and the last piece goes out with AME") {
  LinkSettings settings = settings_for({{"svc"}});
  settings.max_dum_payload = 4;
  CalloutLink link = negotiated_link("(MAIL,RCPT,RAWDATA)", "", std::move(settings));
  const TransactionId id = begun(link);
  REQUIRE(link.send(id, AmPart::rawdata, "abcdef", true, t0));
  CHECK(take(link) == dum(1, 0, "AM-Part: RAWDATA\r\n" + kAllowAll, "abcd"));
  CHECK(link.output_size() == 2);  // "ef" waits for more of the part
  REQUIRE(link.send(id, AmPart::rawdata, "g", false, t0));
  REQUIRE(link.end_original(id, t0));
  CHECK(take(link) == dum(1, 4, "AM-Part: RAWDATA\r\n" + kAllowAll, "efg") + "AME 1;\r\n");
  CHECK(link.send(id, AmPart::rawdata, "h", false, t0).error().code ==
        LinkErrorCode::original_ended);
}

TEST_CASE("a part the profile does not list is not sent") {
  CalloutLink link = negotiated_link("(MAIL,RCPT,RAWDATA)", "(IP,EHLO)");
  const TransactionId id = begun(link);
  CHECK(*link.send(id, AmPart::ip(), "[192.0.2.1]", true, t0) == PartDisposition::informative);
  CHECK(*link.send(id, AmPart::ehlo, "client.example.org", true, t0) ==
        PartDisposition::informative);
  CHECK(*link.send(id, AmPart::vrfy, "postmaster", true, t0) == PartDisposition::not_negotiated);
  CHECK(take(link) == dum(1, 0, "AM-Part: IP\r\n", "[192.0.2.1]") +
                          dum(1, 11, "AM-Part: EHLO\r\n", "client.example.org"));
}

TEST_CASE("a pause from the callout server holds the data back until DWM") {
  CalloutLink link = negotiated_link();
  const TransactionId id = begun(link);
  link.receive("AMS 1;\r\nDWP 1 3;\r\n", t0);
  REQUIRE(link.send(id, AmPart::rawdata, "abcdef", true, t0));
  REQUIRE(link.end_original(id, t0));
  // the octets below the pause offset go out, then DPM.
  CHECK(take(link) == dum(1, 0, "AM-Part: RAWDATA\r\n" + kAllowAll, "abc") + "DPM 1;\r\n");
  CHECK(link.output_size() == 3);
  link.receive("DWM 1;\r\n", t0);
  CHECK(take(link) == dum(1, 3, "AM-Part: RAWDATA\r\n" + kAllowAll, "def") + "AME 1;\r\n");
}

TEST_CASE("data beyond max_output_bytes is refused so that the proxy stops reading") {
  LinkSettings settings = settings_for({{"svc"}});
  settings.max_output_bytes = 100;
  CalloutLink link = negotiated_link("(MAIL,RCPT,RAWDATA)", "", std::move(settings));
  const TransactionId id = begun(link);
  REQUIRE(link.send(id, AmPart::rawdata, std::string(60, 'x'), true, t0));
  CHECK(link.output_size() == 60);
  CHECK(link.send(id, AmPart::rawdata, std::string(41, 'x'), false, t0).error().code ==
        LinkErrorCode::output_full);
  CHECK(link.send(id, AmPart::rawdata, std::string(40, 'x'), false, t0));
}

TEST_CASE("begin is refused before negotiation, for an unknown group and beyond the open limit") {
  CalloutLink fresh(settings_for({{"svc"}}), t0);
  CHECK(fresh.begin(0, {}, t0).error().code == LinkErrorCode::not_ready);

  LinkSettings settings = settings_for({{"svc"}});
  settings.max_open_transactions = 1;
  CalloutLink link = negotiated_link("(MAIL,RCPT,RAWDATA)", "", std::move(settings));
  CHECK(link.begin(1, {}, t0).error().code == LinkErrorCode::unknown_group);
  CHECK(link.begin(0, {{"", "x"}}, t0).error().code == LinkErrorCode::invalid_meta);
  REQUIRE(link.begin(0, {}, t0));
  CHECK(link.begin(0, {}, t0).error().code == LinkErrorCode::too_many_transactions);
  CHECK(link.send(TransactionId{7}, AmPart::mail, "<>", true, t0).error().code ==
        LinkErrorCode::unknown_transaction);
}

TEST_CASE("abort ends the transaction with TE 400 and its reason") {
  CalloutLink link = negotiated_link();
  const TransactionId id = begun(link);
  REQUIRE(link.send(id, AmPart::rawdata, "abc", true, t0));
  REQUIRE(link.abort(id, "the SMTP client went away", t0));
  // The coalesced octets are dropped with the transaction.
  CHECK(take(link) == "TE 1 {400 " + atom("the SMTP client went away") + "};\r\n");
  CHECK(link.output_size() == 0);
  CHECK(events(link).empty());
}

}  // namespace opes::processor::test
