// RFC 4037 §6 and smtp §3.2: the link's offer, the NR it accepts or
// refuses, and the service groups it creates, byte for byte.

#include <doctest/doctest.h>

#include "link_harness.hpp"

namespace opes::processor::test {

TEST_CASE("the link offers the receiver profile with CS and its bootstrap NO at once") {
  CalloutLink link(settings_for({{"svc"}}), t0);
  CHECK(take(link) == kDefaultOffer);
  CHECK_FALSE(link.ready());
  CHECK_FALSE(link.failed());
}

TEST_CASE("the sender profile is offered when the settings say so") {
  LinkSettings settings = settings_for({{"svc"}});
  settings.direction = ocp::smtp::Direction::sender;
  settings.adaptive_parts = {AmPart::rawdata};
  settings.informative_parts = {AmPart::mail};
  CalloutLink link(std::move(settings), t0);
  CHECK(take(link) == "CS;\r\nNO ({" + atom("http://iana.org/opes/ocp/SMTP/sender") +
                          "\r\nAdaptive-Parts: (RAWDATA)\r\nInformative-Parts: (MAIL)\r\n});\r\n");
}

TEST_CASE("against the real callout server the NR takes what its services want and SGC follows") {
  RealServer wire(
      settings_for({{std::string(kFilter), std::string(kStamp)}, {std::string(kThrowing)}}));
  CHECK(wire.sent() == kDefaultOffer + "SGC 1 ({" + atom(kFilter) + "},{" + atom(kStamp) +
                           "});\r\nSGC 2 ({" + atom(kThrowing) + "});\r\n");
  CHECK(wire.received() ==
        "CS;\r\nNR {" + kReceiverUri +
            "\r\nAdaptive-Parts: (MAIL,RCPT,RAWDATA)\r\nInformative-Parts: (HELO)\r\n};\r\n");
  CHECK(wire.link.ready());
  auto all = wire.events();
  REQUIRE(all.size() == 1);
  CHECK(std::holds_alternative<LinkReady>(all[0]));
  const auto& profile = wire.link.profile();
  REQUIRE(profile);
  CHECK(profile->is_adaptive(AmPart::rcpt));
  CHECK(profile->is_informative(AmPart::helo));
  CHECK_FALSE(profile->lists(AmPart::ip()));
}

TEST_CASE("an unknown service in SGC makes the real server close and the link fails") {
  RealServer wire(settings_for({{"urn:nobody:here"}}));
  CHECK(wire.received().ends_with("CE {400 " + atom("SGC 1: no service urn:nobody:here here") +
                                  "};\r\n"));
  CHECK(wire.link.failed());
  CHECK(wire.link.failure() ==
        "the callout server ended the connection: 400 SGC 1: no service urn:nobody:here here");
  auto failed = first_of<LinkFailed>(wire.events());
  REQUIRE(failed);
  CHECK(failed->reason == wire.link.failure());
  CHECK(wire.link.begin(0, {}, t0).error().code == LinkErrorCode::link_failed);
}

TEST_CASE("an NR refusing the profile fails the link with CE 400") {
  CalloutLink link(settings_for({{"svc"}}), t0);
  take(link);
  link.receive("CS;\r\nNR\r\nRejects: ({" + kReceiverUri + "})\r\n;\r\n", t0);
  const std::string reason =
      "the callout server refused the SMTP receiver profile (listed in Rejects)";
  CHECK(take(link) == "CE {400 " + atom(reason) + "};\r\n");
  CHECK(link.failure() == reason);
  auto all = events(link);
  REQUIRE(all.size() == 1);
  CHECK(std::get<LinkFailed>(all[0]).reason == reason);
  CHECK(link.closed());
}

TEST_CASE("an NR choosing a part that was not offered as adaptive closes the connection") {
  LinkSettings settings = settings_for({{"svc"}});
  settings.adaptive_parts = {AmPart::mail, AmPart::rawdata};
  CalloutLink link(std::move(settings), t0);
  take(link);
  link.receive("CS;\r\nNR {" + kReceiverUri + "\r\nAdaptive-Parts: (RCPT)\r\n};\r\n", t0);
  const std::string out = take(link);
  CHECK(out.starts_with("CE {400 "));
  CHECK(out.find("smtp §3.2.3") != std::string::npos);
  CHECK(link.failure().starts_with("smtp §3.2.3"));
  CHECK_FALSE(link.ready());
}

TEST_CASE("settings without a service group fail the link before anything is sent") {
  CalloutLink link(LinkSettings{}, t0);
  CHECK(take(link).empty());
  CHECK(link.failure() == "settings: no service group");
  CHECK(first_of<LinkFailed>(events(link)));
}

TEST_CASE("IP, EHLO and HELO cannot be offered as adaptive (A-21, A-29)") {
  LinkSettings settings = settings_for({{"svc"}});
  settings.adaptive_parts.push_back(AmPart::ehlo);
  CalloutLink link(std::move(settings), t0);
  CHECK(link.failure() == "settings: EHLO cannot be offered as adaptive");
}

TEST_CASE("no answer to the NO within the negotiation timeout fails the link") {
  CalloutLink link(settings_for({{"svc"}}), t0);
  take(link);
  REQUIRE(link.next_deadline());
  CHECK(*link.next_deadline() == t0 + 30s);
  link.on_timer(t0 + 30s);
  CHECK(take(link) == "CE {400 " + atom("negotiation timeout") + "};\r\n");
  CHECK(link.failure() == "the link ended the connection: 400 negotiation timeout");
}

}  // namespace opes::processor::test

namespace opes::processor::test {

TEST_CASE("group_for reuses a configured group and creates a new one with SGC for a subset") {
  RealServer wire(settings_for({{std::string(kFilter), std::string(kStamp)}}));
  (void)wire.sent();
  (void)wire.received();
  (void)wire.events();
  auto same = wire.link.group_for({std::string(kFilter), std::string(kStamp)}, wire.now);
  REQUIRE(same);
  CHECK(*same == 0);
  CHECK(wire.link.pending_output().empty());

  auto subset = wire.link.group_for({std::string(kFilter)}, wire.now);
  REQUIRE(subset);
  CHECK(*subset == 1);
  wire.pump();
  CHECK(wire.sent() == "SGC 2 ({" + atom(kFilter) + "});\r\n");
  CHECK(wire.received().empty());  // SGC has no answer (RFC 4037 §11.3)
  CHECK(wire.link.ready());

  // Asked again, the group created is reused; a transaction runs on it.
  auto again = wire.link.group_for({std::string(kFilter)}, wire.now);
  REQUIRE(again);
  CHECK(*again == 1);
  auto id = wire.link.begin(*again, {}, wire.now);
  REQUIRE(id);
  wire.pump();
  CHECK(wire.sent().starts_with("TS " + std::to_string(id->value) + " 2;\r\n"));

  CHECK(wire.link.group_for({}, wire.now).error().code == LinkErrorCode::unknown_group);
}

}  // namespace opes::processor::test
