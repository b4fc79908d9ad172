// RFC 4037 §6, §11.18–§11.21 and: negotiation, byte for byte.

#include <doctest/doctest.h>

#include "harness.hpp"

namespace ocp::engine::test {

TEST_CASE("the processor must send its bootstrap NO right after CS") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  auto ts = p.start_transaction(ServiceGroupId{1});
  REQUIRE_FALSE(ts);
  auto ams = p.progress_query();  // phase messages are fine
  CHECK(ams);
  auto sgd = p.destroy_service_group(ServiceGroupId{1});
  REQUIRE_FALSE(sgd);
  CHECK(sgd.error().reason == "the processor must send its bootstrap NO right after CS");
  REQUIRE(p.offer({}));
  CHECK(take(p) == "CS;\r\nPQ;\r\nNO ();\r\n");
}

TEST_CASE("an SGC may precede the bootstrap NO that names it (A-34)") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  auto sg = p.create_service_group({service("svc")}, ServiceGroupId{11});
  REQUIRE(sg);
  CHECK(sg->value == 11);
  REQUIRE(p.offer({feature("test-profile")}, ServiceGroupId{11}));
  CHECK(take(p) == "CS;\r\nSGC 11 ({svc});\r\nNO ({test-profile})\r\nSG: 11\r\n;\r\n");
  // Inside the phase an SGC is no longer allowed (§6.1).
  auto late = p.create_service_group({service("svc2")});
  REQUIRE_FALSE(late);
  CHECK(late.error().reason == "negotiation phase: only phase messages may be sent");
}

TEST_CASE("the callout server answers a NO immediately through the policy") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nNO ({other},{test-profile});\r\n", t0);
  CHECK(take(s) == "CS;\r\nNR {test-profile};\r\n");
  CHECK_FALSE(s.in_negotiation_phase());
  auto completed = find_event<NegotiationCompleted>(events(s));
  REQUIRE(completed);
  CHECK(completed->feature.uri == "test-profile");
  CHECK_FALSE(completed->sg);
  CHECK(completed->offered_by == Side::peer);
  REQUIRE(s.connection_features().size() == 1);
}

TEST_CASE("an empty NO is rejected with a bare NR (C-6.2-1)") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nNO ();\r\n", t0);
  CHECK(take(s) == "CS;\r\nNR;\r\n");
  auto failed = find_event<NegotiationFailed>(events(s));
  REQUIRE(failed);
  CHECK(failed->offered_by == Side::peer);
}

TEST_CASE("unknown features are listed in Unknowns") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nNO ({x-feature});\r\n", t0);
  CHECK(take(s) == "CS;\r\nNR\r\nUnknowns: ({x-feature})\r\n;\r\n");
}

TEST_CASE("the NR echoes the NO's SG and enables the feature for that group only") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nSGC 3 ({svc});\r\nSGC 4 ({svc});\r\nNO ({test-profile})\r\nSG: 3\r\n;\r\n", t0);
  CHECK(take(s) == "CS;\r\nNR {test-profile}\r\nSG: 3\r\n;\r\n");
  auto completed = find_event<NegotiationCompleted>(events(s));
  REQUIRE(completed);
  REQUIRE(completed->sg);
  CHECK(completed->sg->value == 3);
  CHECK(s.connection_features().empty());
  // transactions on SG 3 are covered, on SG 4 refused.
  s.receive("TS 1 3;\r\nTS 2 4;\r\n", t0);
  CHECK(take(s) == te400(2, "no application profile negotiated for service group 4"));
  CHECK(s.transaction_live(Xid{1}));
}

TEST_CASE("a NO naming an unknown service group ends the connection") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nNO ({test-profile})\r\nSG: 9\r\n;\r\n", t0);
  CHECK(take(s) == "CS;\r\n" + ce400("NO names unknown service group 9"));
}

TEST_CASE("the processor learns the outcome of its offer from the NR") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  REQUIRE(p.offer({feature("test-profile")}));
  take(p);
  CHECK(p.offer_outstanding());
  CHECK(p.in_negotiation_phase());
  SUBCASE("positive") {
    p.receive("CS;\r\nNR {test-profile};\r\n", t0);
    CHECK(take(p).empty());
    CHECK_FALSE(p.in_negotiation_phase());
    auto completed = find_event<NegotiationCompleted>(events(p));
    REQUIRE(completed);
    CHECK(completed->offered_by == Side::local);
  }
  SUBCASE("negative with Rejects") {
    p.receive("CS;\r\nNR\r\nRejects: ({test-profile})\r\n;\r\n", t0);
    auto failed = find_event<NegotiationFailed>(events(p));
    REQUIRE(failed);
    REQUIRE(failed->rejects.size() == 1);
    CHECK(failed->rejects[0].uri == "test-profile");
    CHECK(failed->offered_by == Side::local);
  }
}

TEST_CASE("an NR accepting a feature that was not offered ends the connection") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  REQUIRE(p.offer({feature("test-profile")}));
  take(p);
  p.receive("CS;\r\nNR {other};\r\n", t0);
  CHECK(take(p) == ce400("NR accepts a feature that was not offered"));
}

TEST_CASE("an NR whose SG does not match the NO ends the connection") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  REQUIRE(p.create_service_group({service("svc")}));
  REQUIRE(p.offer({feature("test-profile")}, ServiceGroupId{1}));
  take(p);
  SUBCASE("SG missing") {
    p.receive("CS;\r\nNR {test-profile};\r\n", t0);
    CHECK(take(p) == ce400("NR SG does not match the NO"));
  }
  SUBCASE("SG different") {
    p.receive("CS;\r\nNR {test-profile}\r\nSG: 2\r\n;\r\n", t0);
    CHECK(take(p) == ce400("NR SG does not match the NO"));
  }
}

TEST_CASE("an NR without an outstanding NO ends the connection") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nNR;\r\n", t0);
  CHECK(take(s) == "CS;\r\n" + ce400("NR without an outstanding NO"));
}

TEST_CASE("only one offer may be outstanding") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  REQUIRE(p.offer({}));
  auto second = p.offer({});
  REQUIRE_FALSE(second);
  CHECK(second.error().reason == "an offer is already awaiting its NR");
}

TEST_CASE("offer collision: the processor disregards the server's NO") {
  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  REQUIRE(p.offer({feature("test-profile")}));
  take(p);
  p.receive("CS;\r\nNO ({test-profile});\r\n", t0);
  CHECK(take(p).empty());
  auto ignored = find_event<MessageIgnored>(events(p));
  REQUIRE(ignored);
  CHECK(ignored->reason == "offer collision: the processor's offer wins");
  CHECK(p.offer_outstanding());
}

TEST_CASE("offer collision: the server drops its own NO and answers the processor's") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nNO ();\r\n", t0);
  take(s);
  events(s);
  REQUIRE(s.offer({feature("server-feature")}));
  CHECK(take(s) == "NO ({server-feature});\r\n");
  s.receive("NO ({test-profile});\r\n", t0);
  CHECK(take(s) == "NR {test-profile};\r\n");
  CHECK_FALSE(s.offer_outstanding());
  auto all = events(s);
  auto dropped = find_event<NegotiationFailed>(all);
  REQUIRE(dropped);
  CHECK(dropped->offered_by == Side::local);
  CHECK(dropped->reason == "offer collision: the processor's offer wins");
  CHECK(find_event<NegotiationCompleted>(all));
}

TEST_CASE("Offer-Pending keeps the negotiation phase open (C-6.2-2)") {
  Config sc = config(Role::callout_server);
  sc.on_offer = [](const OfferContext&) {
    OfferAnswer a;
    a.offer_pending = true;
    return a;
  };
  Connection s(sc, t0);
  s.receive("CS;\r\nNO ();\r\n", t0);
  CHECK(take(s) == "CS;\r\nNR\r\nOffer-Pending: true\r\n;\r\n");
  CHECK(s.in_negotiation_phase());
  REQUIRE(s.offer({feature("ocp://feature/example/")}, std::nullopt, false));
  CHECK(take(s) == "NO ({\"22:ocp://feature/example/\"})\r\nOffer-Pending: false\r\n;\r\n");

  Connection p(config(Role::processor), t0);
  REQUIRE(p.start());
  REQUIRE(p.offer({}));
  take(p);
  p.receive("CS;\r\nNR\r\nOffer-Pending: true\r\n;\r\n", t0);
  CHECK(p.in_negotiation_phase());
  // inside the phase only phase messages.
  REQUIRE_FALSE(p.create_service_group({service("svc")}));
  p.receive("NO ({\"22:ocp://feature/example/\"})\r\nOffer-Pending: false\r\n;\r\n", t0);
  CHECK(take(p) == "NR\r\nUnknowns: ({\"22:ocp://feature/example/\"})\r\n;\r\n");
  CHECK_FALSE(p.in_negotiation_phase());
  CHECK(p.create_service_group({service("svc")}));
}

TEST_CASE("AQ is answered immediately through the support callback") {
  Config c = config(Role::callout_server);
  c.supports = [](const Feature& f) { return f.uri == "yes"; };
  Connection s(c, t0);
  s.receive("CS;\r\nAQ {yes};\r\nAQ {no};\r\n", t0);
  CHECK(take(s) == "CS;\r\nAA true;\r\nAA false;\r\n");
}

TEST_CASE("AA answers are matched to our AQs in order (A-15)") {
  Connection p = ready_processor(false);
  REQUIRE(p.ability_query(feature("a")));
  REQUIRE(p.ability_query(feature("b")));
  CHECK(take(p) == "AQ {a};\r\nAQ {b};\r\n");
  p.receive("AA true;\r\nAA false;\r\nAA true;\r\n", t0);
  auto all = events(p);
  REQUIRE(all.size() == 3);
  CHECK(std::get<AbilityAnswered>(all[0]).feature.uri == "a");
  CHECK(std::get<AbilityAnswered>(all[0]).supported);
  CHECK(std::get<AbilityAnswered>(all[1]).feature.uri == "b");
  CHECK(std::get<MessageIgnored>(all[2]).reason == "no AQ outstanding");
}

}  // namespace ocp::engine::test
