// RFC 4037 §11.2: a callout server that ends the connection with CE 200
// (opes-callout after a reload, once none of its transactions is open) ends
// it in order; a transaction whose TS crossed that CE was never seen by the
// server and may be begun again elsewhere.

#include <doctest/doctest.h>

#include "link_harness.hpp"

namespace opes::processor::test {

TEST_CASE("a CE 200 from the server is an orderly end and its unanswered transaction is retryable") {
  CalloutLink link = negotiated_link();
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::mail, "<a@example.org>", true, t0));
  take(link);
  link.receive("CE {200 " + atom("configuration reloaded") + "};\r\n", t0 + 1s);
  CHECK(take(link).empty());  // nothing may follow the peer's CE
  auto all = events(link);
  REQUIRE(all.size() == 2);
  const std::string reason =
      "the callout server ended the connection: 200 configuration reloaded";
  const auto& finished = std::get<TransactionFinished>(all[0]);
  CHECK(finished.id == *id);
  CHECK(finished.reason == reason);
  CHECK(finished.retryable);
  const auto& failed = std::get<LinkFailed>(all[1]);
  CHECK(failed.reason == reason);
  CHECK(failed.in_order);
  CHECK_FALSE(link.ready());
  CHECK(link.begin(0, {}, t0 + 2s).error().code == LinkErrorCode::link_failed);
}

TEST_CASE("a CE 200 after the server answered a part does not make the transaction retryable") {
  CalloutLink link = negotiated_link();
  auto id = link.begin(0, {}, t0);
  REQUIRE(id);
  REQUIRE(link.send(*id, AmPart::mail, "<a@example.org>", true, t0));
  take(link);
  link.receive("AMS 1;\r\n" + dum(1, 0, "As-is: 0\r\nAM-Part: MAIL\r\n", "<a@example.org>"), t0);
  link.receive("CE {200 bye};\r\n", t0);
  const auto finished = first_of<TransactionFinished>(events(link));
  REQUIRE(finished);
  CHECK_FALSE(finished->retryable);
}

TEST_CASE("a CE 400 is a failure: neither in order nor retryable") {
  CalloutLink link = negotiated_link();
  REQUIRE(link.begin(0, {}, t0));
  take(link);
  link.receive("CE {400 draining};\r\n", t0);
  auto all = events(link);
  REQUIRE(all.size() == 2);
  CHECK_FALSE(std::get<TransactionFinished>(all[0]).retryable);
  CHECK_FALSE(std::get<LinkFailed>(all[1]).in_order);
}

}  // namespace opes::processor::test
