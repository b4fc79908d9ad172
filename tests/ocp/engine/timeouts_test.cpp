// RFC 4037 §2.7: timeouts driven by the caller's clock.

#include <doctest/doctest.h>

#include "harness.hpp"

namespace ocp::engine::test {

using std::chrono::seconds;

TEST_CASE("an idle connection is closed with CE 400") {
  Config c = config(Role::callout_server);
  c.timeouts = {seconds(0), seconds(0), seconds(60)};
  Connection s = ready_server(0, c);
  REQUIRE(s.next_deadline());
  CHECK(*s.next_deadline() == t0 + seconds(60));
  s.on_timer(t0 + seconds(59));
  CHECK(take(s).empty());
  s.receive("PR;\r\n", t0 + seconds(30));  // activity moves the deadline
  CHECK(*s.next_deadline() == t0 + seconds(90));
  s.on_timer(t0 + seconds(90));
  CHECK(take(s) == ce400("idle connection timeout"));
  CHECK(s.closed());
  CHECK_FALSE(s.next_deadline());
}

TEST_CASE("an unanswered offer times out") {
  Config c = config(Role::processor);
  c.timeouts = {seconds(10), seconds(0), seconds(0)};
  Connection p(c, t0);
  REQUIRE(p.start());
  REQUIRE(p.offer({feature("test-profile")}));
  take(p);
  CHECK(*p.next_deadline() == t0 + seconds(10));
  p.on_timer(t0 + seconds(10));
  CHECK(take(p) == ce400("negotiation timeout"));
}

TEST_CASE("a phase left open by Offer-Pending times out") {
  Config c = config(Role::processor);
  c.timeouts = {seconds(10), seconds(0), seconds(0)};
  Connection p(c, t0);
  REQUIRE(p.start());
  REQUIRE(p.offer({}));
  p.receive("CS;\r\nNR\r\nOffer-Pending: true\r\n;\r\n", t0 + seconds(5));
  take(p);
  p.on_timer(t0 + seconds(14));
  CHECK(take(p).empty());
  p.on_timer(t0 + seconds(15));
  CHECK(take(p) == ce400("negotiation timeout"));
}

TEST_CASE("no timeout once negotiation is done") {
  Config c = config(Role::processor);
  c.timeouts = {seconds(10), seconds(0), seconds(0)};
  Connection p = ready_processor(false, c);
  CHECK_FALSE(p.next_deadline());
}

TEST_CASE("an idle transaction ends with TE 400, activity keeps it alive") {
  Config c = config(Role::callout_server);
  c.timeouts = {seconds(0), seconds(20), seconds(0)};
  Connection s(c, t0);
  s.receive("CS;\r\nSGC 1 ({svc});\r\nNO ({test-profile});\r\nTS 5 1;\r\nTS 6 1;\r\nAMS 6;\r\n", t0);
  take(s);
  s.receive("DUM 6 0\r\n1:a\r\n;\r\n", t0 + seconds(15));
  CHECK(*s.next_deadline() == t0 + seconds(20));
  s.on_timer(t0 + seconds(20));
  CHECK(take(s) == te400(5, "transaction idle timeout"));
  CHECK(s.transaction_live(Xid{6}));
  auto ended = find_event<TransactionEnded>(events(s));
  REQUIRE(ended);
  CHECK(ended->ended_by == Side::local);
  CHECK(ended->result.reason == "transaction idle timeout");
  s.on_timer(t0 + seconds(35));
  CHECK(take(s) == te400(6, "transaction idle timeout"));
  CHECK_FALSE(s.next_deadline());
}

}  // namespace ocp::engine::test
