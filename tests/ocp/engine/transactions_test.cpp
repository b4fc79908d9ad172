// RFC 4037 §11.3–§11.8 and: service
// groups, transactions and application messages, byte for byte.

#include <doctest/doctest.h>

#include "harness.hpp"

namespace ocp::engine::test {

TEST_CASE("SGC ids from the peer must strictly increase") {
  Connection s = ready_server(0);
  s.receive("SGC 1 ({svc});\r\n", t0);
  CHECK(take(s) == ce400("SGC service group id 1 does not increase"));
}

TEST_CASE("service groups are kept per creator (A-9)") {
  Connection p = ready_processor(false);
  // The server's SGC 1 does not collide with the processor's SG 1.
  p.receive("SGC 1 ({other});\r\n", t0);
  CHECK(take(p).empty());
  auto created = find_event<ServiceGroupCreatedByPeer>(events(p));
  REQUIRE(created);
  CHECK(created->sg.value == 1);
  CHECK(p.start_transaction(ServiceGroupId{1}));
}

TEST_CASE("SGD of an unknown service group ends the connection") {
  Connection s = ready_server(0);
  s.receive("SGD 7;\r\n", t0);
  CHECK(take(s) == ce400("SGD names unknown service group 7"));
}

TEST_CASE("too many service groups end the connection (§11.3)") {
  Config c = config(Role::callout_server);
  c.limits.max_service_groups = 2;
  Connection s = ready_server(0, c);
  s.receive("SGC 2 ({svc});\r\nSGC 3 ({svc});\r\n", t0);
  CHECK(take(s) == ce400("too many service groups"));
}

TEST_CASE("running transactions keep their services after SGD, new TS is refused (A-10)") {
  Connection s = ready_server(5);
  s.receive("SGD 1;\r\n", t0);
  CHECK(take(s).empty());
  CHECK(s.transaction_live(Xid{5}));
  s.receive("TS 6 1;\r\n", t0);
  CHECK(take(s) == te400(6, "TS names unknown service group 1"));
}

TEST_CASE("a TS is accepted and reported with its services") {
  Connection s = ready_server(0);
  s.receive("TS 5 1;\r\n", t0);
  CHECK(take(s).empty());
  auto started = find_event<TransactionStarted>(events(s));
  REQUIRE(started);
  CHECK(started->xid.value == 5);
  REQUIRE(started->services.size() == 1);
  CHECK(started->services[0].uri == "svc");
}

TEST_CASE("a TS before any profile was negotiated is refused with TE 400 (A-33)") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nSGC 1 ({svc});\r\nNO ();\r\nTS 5 1;\r\n", t0);
  CHECK(take(s) == "CS;\r\nNR;\r\n" +
                       te400(5, "no application profile negotiated for service group 1"));
  CHECK_FALSE(s.transaction_live(Xid{5}));
}

TEST_CASE("the processor cannot start a transaction without a profile (A-33)") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  REQUIRE(p.create_service_group({service("svc")}));
  REQUIRE(p.offer({feature("test-profile")}));
  p.receive("CS;\r\nNR;\r\n", t0);
  take(p);
  auto ts = p.start_transaction(ServiceGroupId{1});
  REQUIRE_FALSE(ts);
  CHECK(ts.error().reason == "no application profile negotiated for service group 1");
  CHECK(take(p).empty());
}

TEST_CASE("xids must strictly increase") {
  SUBCASE("a second TS for a live xid ends that transaction") {
    Connection s = ready_server(5);
    s.receive("TS 5 1;\r\n", t0);
    CHECK(take(s) == te400(5, "TS for a live transaction"));
    CHECK_FALSE(s.transaction_live(Xid{5}));
  }
  SUBCASE("a TS with a lower xid ends the connection") {
    Connection s = ready_server(5);
    s.receive("TS 3 1;\r\n", t0);
    CHECK(take(s) == ce400("TS xid 3 does not increase"));
  }
  SUBCASE("the processor numbers upwards and refuses a lower explicit xid") {
    Connection p = ready_processor(false);
    CHECK(p.start_transaction(ServiceGroupId{1}, Xid{10})->value == 10);
    CHECK(p.start_transaction(ServiceGroupId{1})->value == 11);
    auto low = p.start_transaction(ServiceGroupId{1}, Xid{4});
    REQUIRE_FALSE(low);
    CHECK(low.error().reason == "xids must strictly increase");
    CHECK(take(p) == "TS 10 1;\r\nTS 11 1;\r\n");
  }
}

TEST_CASE("the callout server cannot send TS") {
  Connection s = ready_server(0);
  auto ts = s.start_transaction(ServiceGroupId{1});
  REQUIRE_FALSE(ts);
  CHECK(ts.error().reason == "only the processor sends TS");
}

TEST_CASE("too many concurrent transactions are refused with TE 400") {
  Config c = config(Role::callout_server);
  c.limits.max_transactions = 2;
  Connection s = ready_server(0, c);
  s.receive("TS 1 1;\r\nTS 2 1;\r\nTS 3 1;\r\n", t0);
  CHECK(take(s) == te400(3, "too many concurrent transactions"));
  s.receive("TE 1;\r\nTS 4 1;\r\n", t0);
  CHECK(take(s).empty());
  CHECK(s.transaction_live(Xid{4}));
}

TEST_CASE("a peer's TE ends the transaction without a TE in reply (A-11)") {
  Connection s = ready_server(5);
  s.receive("TE 5 {200 OK};\r\n", t0);
  CHECK(take(s).empty());
  auto ended = find_event<TransactionEnded>(events(s));
  REQUIRE(ended);
  CHECK(ended->xid.value == 5);
  CHECK(ended->ended_by == Side::peer);
  CHECK(ended->result.code == 200);
  CHECK_FALSE(s.transaction_live(Xid{5}));
}

TEST_CASE("messages for an ended xid are ignored, crossing TEs included (A-11)") {
  Connection p = ready_processor();
  REQUIRE(p.end_transaction(Xid{1}));
  CHECK(take(p) == "TE 1;\r\n");
  p.receive("DUM 1 0\r\n1:x\r\n;\r\nTE 1;\r\n", t0);
  CHECK(take(p).empty());
  auto all = events(p);
  REQUIRE(all.size() == 2);
  CHECK(std::get<MessageIgnored>(all[0]).name == "DUM");
  CHECK(std::get<MessageIgnored>(all[0]).reason == "transaction 1 has ended");
  CHECK(std::get<MessageIgnored>(all[1]).name == "TE");
}

TEST_CASE("a message for a never-created xid ends the connection (A-31)") {
  Connection s = ready_server(5);
  s.receive("AME 9;\r\n", t0);
  CHECK(take(s) == ce400("AME names unknown transaction 9"));
  CHECK(s.closed());
}

TEST_CASE("a transaction message that does not decode ends the transaction") {
  Connection s = ready_server(5);
  s.receive("AME 5 {x};\r\n", t0);
  CHECK(take(s) ==
        te400(5, "AME: parameter 'result': result status code: 'x' is not a decimal number"));
}

TEST_CASE("a transaction message without a usable xid ends the connection") {
  Connection s = ready_server(5);
  s.receive("AME x;\r\n", t0);
  CHECK(take(s) == ce400("AME: parameter 'xid': 'x' is not a decimal number"));
}

TEST_CASE("one original and one adapted application message per transaction") {
  SUBCASE("a second AMS ends the transaction") {
    Connection s = ready_server(5);
    s.receive("AMS 5;\r\n", t0);
    CHECK(take(s) == te400(5, "second AMS in transaction"));
  }
  SUBCASE("our second AMS is refused") {
    Connection s = ready_server(5);
    REQUIRE(s.start_application_message(Xid{5}));
    auto again = s.start_application_message(Xid{5});
    REQUIRE_FALSE(again);
    CHECK(again.error().reason == "application message already started");
    CHECK(take(s) == "AMS 5;\r\n");
  }
}

TEST_CASE("AMS carries Services and profile parameters to the event") {
  Connection p = ready_processor(false);
  REQUIRE(p.start_transaction(ServiceGroupId{1}));
  take(p);
  p.receive("AMS 1\r\nServices: ({svc})\r\nAM-EL: 0\r\n;\r\n", t0);
  auto started = find_event<ApplicationMessageStarted>(events(p));
  REQUIRE(started);
  CHECK(started->flow == Dataflow::adapted);
  REQUIRE(started->services);
  CHECK((*started->services)[0].uri == "svc");
  REQUIRE(started->extensions.find("AM-EL"));
}

TEST_CASE("AME rules") {
  SUBCASE("AME without AMS ends the transaction") {
    Connection s = ready_server(0);
    s.receive("TS 5 1;\r\nAME 5;\r\n", t0);
    CHECK(take(s) == te400(5, "AME without AMS"));
  }
  SUBCASE("a second AME ends the transaction") {
    Connection s = ready_server(5);
    s.receive("AME 5;\r\nAME 5;\r\n", t0);
    CHECK(take(s) == te400(5, "second AME in transaction"));
  }
  SUBCASE("AME reports its result; absent is 200") {
    Connection s = ready_server(5);
    s.receive("AME 5;\r\n", t0);
    auto ended = find_event<ApplicationMessageEnded>(events(s));
    REQUIRE(ended);
    CHECK(ended->flow == Dataflow::original);
    CHECK(ended->result.code == 200);
  }
  SUBCASE("our AME needs an open message") {
    Connection s = ready_server(5);
    auto r = s.end_application_message(Xid{5});
    REQUIRE_FALSE(r);
    CHECK(r.error().reason == "application message is not open");
  }
}

TEST_CASE("the callout server refuses an original message with AME 400 and TE 400 (A-17)") {
  Connection s = ready_server(5);
  REQUIRE(s.refuse_application_message(Xid{5}, "not today"));
  CHECK(take(s) == "AME 5 {400 \"9:not today\"};\r\nTE 5 {400 \"9:not today\"};\r\n");
  CHECK_FALSE(s.transaction_live(Xid{5}));

  // The processor takes the server's AME 400 without an AMS as the refusal.
  Connection p = ready_processor(false);
  REQUIRE(p.start_transaction(ServiceGroupId{1}));
  REQUIRE(p.start_application_message(Xid{1}));
  take(p);
  p.receive("AME 1 {400 \"9:not today\"};\r\nTE 1 {400 \"9:not today\"};\r\n", t0);
  CHECK(take(p).empty());
  auto all = events(p);
  auto ended = find_event<ApplicationMessageEnded>(all);
  REQUIRE(ended);
  CHECK(ended->flow == Dataflow::adapted);
  CHECK(ended->result.code == 400);
  auto te = find_event<TransactionEnded>(all);
  REQUIRE(te);
  CHECK(te->ended_by == Side::peer);
}

TEST_CASE("a server AME without AMS other than 400 ends the transaction") {
  Connection p = ready_processor(false);
  REQUIRE(p.start_transaction(ServiceGroupId{1}));
  take(p);
  p.receive("AME 1;\r\n", t0);
  CHECK(take(p) == te400(1, "AME without AMS"));
}

TEST_CASE("commands for a transaction that is not live are refused") {
  Connection p = ready_processor();
  auto r = p.end_transaction(Xid{7});
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == "transaction 7 is not live");
}

}  // namespace ocp::engine::test
