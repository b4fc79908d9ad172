// Two engines, a processor and a callout server, talking through their
// output bytes: RFC 4236 Figure 13 (vector H-F13) byte for byte, and the
// §8.3, pause and preservation flows end to end.

#include <doctest/doctest.h>

#include "harness.hpp"
#include "ocp/stream_parser.hpp"
#include "support/vectors.hpp"

namespace ocp::engine::test {

namespace {

NamedValue named(std::string name, std::string value) {
  return NamedValue{std::move(name), Value::atom(value), {}};
}

Extensions with(std::vector<NamedValue> parameters) {
  Extensions e;
  e.named = std::move(parameters);
  return e;
}

/// A processor and a server that negotiated test-profile for the connection.
struct Session {
  Connection p{config(Role::processor), t0};
  Connection s{config(Role::callout_server), t0};

  Session() {
    REQUIRE(p.start());
    REQUIRE(s.start());
    REQUIRE(p.offer({feature("test-profile")}));
    pipe(p, s);
    pipe(s, p);
    REQUIRE(p.create_service_group({service("svc")}));
    events(p);
    events(s);
  }
};

}  // namespace

TEST_CASE("RFC 4236 Figure 13 (H-F13) runs through both engines byte for byte") {
  const auto& vector = ocp::test::conformance_vector("H-F13");
  REQUIRE(vector.messages.size() == 15);
  auto bytes = [&](std::size_t n) { return vector.messages.at(n - 1).bytes; };
  auto payload = [&](std::size_t n) {
    auto message = parse_message(bytes(n));
    REQUIRE(message);
    REQUIRE(message->payload);
    return *message->payload;
  };
  const Feature http_request = feature("http://www.iana.org/assignments/opes/ocp/http/request");

  Config sc = config(Role::callout_server);
  sc.on_offer = [](const OfferContext& offer) {
    OfferAnswer answer;
    answer.accepted = offer.features.at(0);
    return answer;
  };
  Connection p(config(Role::processor), t0);
  Connection s(sc, t0);

  REQUIRE(p.start());
  REQUIRE(p.create_service_group({service("ocp-test.example.com/url-filter")}, ServiceGroupId{11}));
  REQUIRE(p.offer({http_request}, ServiceGroupId{11}));
  CHECK(take(p) == bytes(1) + bytes(3) + bytes(4));
  REQUIRE(s.start());
  s.receive(bytes(1) + bytes(3) + bytes(4), t0);
  CHECK(take(s) == bytes(2) + bytes(5));
  p.receive(bytes(2) + bytes(5), t0);
  auto negotiated = find_event<NegotiationCompleted>(events(p));
  REQUIRE(negotiated);
  CHECK(negotiated->sg == ServiceGroupId{11});

  REQUIRE(p.start_transaction(ServiceGroupId{11}, Xid{55}));
  REQUIRE(p.start_application_message(Xid{55}, std::nullopt, with({named("AM-EL", "0")})));
  DataOptions request;
  request.kept = Kept{0, std::nullopt};  // as printed, no size
  request.extensions = with({named("AM-Part", "request-header")});
  REQUIRE(p.send_data(Xid{55}, payload(8), request));
  REQUIRE(p.end_application_message(Xid{55}));
  CHECK(take(p) == bytes(6) + bytes(7) + bytes(8) + bytes(9));

  s.receive(bytes(6) + bytes(7) + bytes(8) + bytes(9), t0);
  CHECK(take(s).empty());
  auto server_events = events(s);
  // PeerStarted, SGC, NegotiationCompleted, TS, AMS, DUM, AME.
  REQUIRE(server_events.size() == 7);
  CHECK(std::get<TransactionStarted>(server_events[3]).xid == Xid{55});
  CHECK(std::get<ApplicationMessageEnded>(server_events[6]).flow == Dataflow::original);
  auto data = find_event<DataReceived>(server_events);
  REQUIRE(data);
  CHECK(data->payload.size() == 235);
  CHECK(data->extensions.find("AM-Part"));

  REQUIRE(s.start_application_message(Xid{55}));
  DataOptions header;
  header.extensions = with({named("AM-Part", "response-header")});
  REQUIRE(s.send_data(Xid{55}, payload(11), header));
  DataOptions body;
  body.extensions = with({named("AM-Part", "response-body")});
  REQUIRE(s.send_data(Xid{55}, payload(12), body));
  REQUIRE(s.end_application_message(Xid{55}));
  CHECK(take(s) == bytes(10) + bytes(11) + bytes(12) + bytes(13));

  p.receive(bytes(10) + bytes(11) + bytes(12) + bytes(13), t0);
  auto processor_events = events(p);
  auto ended = find_event<ApplicationMessageEnded>(processor_events);
  REQUIRE(ended);
  CHECK(ended->flow == Dataflow::adapted);
  REQUIRE(p.end_transaction(Xid{55}));
  CHECK(take(p) == bytes(14));
  // The server ends its side before P's TE reaches it: the TEs cross.
  REQUIRE(s.end_transaction(Xid{55}));
  CHECK(take(s) == bytes(15));
  s.receive(bytes(14), t0);
  p.receive(bytes(15), t0);
  CHECK(take(s).empty());
  CHECK(take(p).empty());
  CHECK(find_event<MessageIgnored>(events(s))->name == "TE");
  CHECK(find_event<MessageIgnored>(events(p))->name == "TE");

  std::string all = vector.stream();
  CHECK(ocp::test::sha256_hex(all) == vector.sha256);
}

TEST_CASE("a whole transaction between two engines with default numbering") {
  Session x;
  auto xid = x.p.start_transaction(ServiceGroupId{1});
  REQUIRE(xid);
  CHECK(xid->value == 1);
  REQUIRE(x.p.start_application_message(*xid));
  REQUIRE(x.p.send_data(*xid, SharedBytes::copy_of("MAIL FROM:<a@b>")));
  REQUIRE(x.p.end_application_message(*xid));
  CHECK(take(x.p) == "SGC 1 ({svc});\r\nTS 1 1;\r\nAMS 1;\r\nDUM 1 0\r\n15:MAIL FROM:<a@b>\r\n;\r\nAME 1;\r\n");
  x.s.receive("SGC 1 ({svc});\r\nTS 1 1;\r\nAMS 1;\r\nDUM 1 0\r\n15:MAIL FROM:<a@b>\r\n;\r\nAME 1;\r\n", t0);
  auto e = events(x.s);
  REQUIRE(find_event<TransactionStarted>(e));
  REQUIRE(x.s.start_application_message(*xid));
  REQUIRE(x.s.send_data(*xid, SharedBytes::copy_of("MAIL FROM:<c@d>")));
  REQUIRE(x.s.end_application_message(*xid, Result::ok()));
  REQUIRE(x.s.end_transaction(*xid, Result::ok()));
  pipe(x.s, x.p);
  CHECK(take(x.p).empty());
  auto pe = events(x.p);
  CHECK(std::get<DataReceived>(pe[1]).payload.view() == "MAIL FROM:<c@d>");
  CHECK(std::get<ApplicationMessageEnded>(pe[2]).result.code == 200);
  CHECK(std::get<TransactionEnded>(pe[3]).ended_by == Side::peer);
  CHECK(x.p.transaction_count() == 0);
}

TEST_CASE("getting out of the loop end to end (§8.3)") {
  Session x;
  auto xid = *x.p.start_transaction(ServiceGroupId{1});
  REQUIRE(x.p.start_application_message(xid));
  REQUIRE(x.p.send_data(xid, SharedBytes::copy_of("part one ")));
  pipe(x.p, x.s);
  REQUIRE(x.s.start_application_message(xid));
  REQUIRE(x.s.send_data(xid, SharedBytes::copy_of("PART ONE ")));
  // The server has nothing more to change: DWSS, then immediately DWSR.
  REQUIRE(x.s.want_stop_sending(xid));
  REQUIRE(x.s.want_stop_receiving(xid, 9));
  CHECK(take(x.s) == "AMS 1;\r\nDUM 1 0\r\n9:PART ONE \r\n;\r\nDWSS 1;\r\nDWSR 1 9;\r\n");
  x.s.receive("", t0);
  x.p.receive("AMS 1;\r\nDUM 1 0\r\n9:PART ONE \r\n;\r\nDWSS 1;\r\nDWSR 1 9;\r\n", t0);
  events(x.p);
  REQUIRE(x.p.stop_sending(xid));
  REQUIRE(x.p.end_application_message(xid, Result::partial()));
  CHECK(take(x.p) == "DSS 1;\r\nAME 1 {206 partial};\r\n");
  x.s.receive("DSS 1;\r\nAME 1 {206 partial};\r\n", t0);
  CHECK(take(x.s) == "AME 1 {206 \"14:stopped by DSS\"};\r\n");
  auto se = events(x.s);
  CHECK(find_event<StopSendingOrdered>(se));
  CHECK(find_event<ApplicationMessageEnded>(se)->result.code == 206);
  x.p.receive("AME 1 {206 \"14:stopped by DSS\"};\r\n", t0);
  CHECK(take(x.p).empty());
  CHECK(find_event<ApplicationMessageEnded>(events(x.p))->result.code == 206);
  // the processor continues with its own original from offset 9.
  CHECK(x.p.stop_sending_offset(xid) == 9u);
  REQUIRE(x.p.end_transaction(xid));
  pipe(x.p, x.s);
  CHECK(find_event<TransactionEnded>(events(x.s))->ended_by == Side::peer);
}

TEST_CASE("pause and resume end to end") {
  Session x;
  auto xid = *x.p.start_transaction(ServiceGroupId{1});
  REQUIRE(x.p.start_application_message(xid));
  REQUIRE(x.p.send_data(xid, SharedBytes::copy_of("0123")));
  pipe(x.p, x.s);
  REQUIRE(x.s.want_paused(xid, 6));
  pipe(x.s, x.p);
  CHECK(x.p.send_window(xid) == 2u);
  REQUIRE(x.p.send_data(xid, SharedBytes::copy_of("45")));
  CHECK(take(x.p) == "DUM 1 4\r\n2:45\r\n;\r\nDPM 1;\r\n");
  x.s.receive("DUM 1 4\r\n2:45\r\n;\r\nDPM 1;\r\n", t0);
  CHECK(find_event<PeerPaused>(events(x.s)));
  REQUIRE(x.s.want_more(xid));
  pipe(x.s, x.p);
  CHECK(find_event<MoreDataRequested>(events(x.p)));
  REQUIRE(x.p.send_data(xid, SharedBytes::copy_of("6789")));
  pipe(x.p, x.s);
  CHECK(take(x.s).empty());
  auto data = find_event<DataReceived>(events(x.s));
  REQUIRE(data);
  CHECK(data->offset == 6);
}

TEST_CASE("preservation end to end: Kept, DPI and DUY") {
  Session x;
  auto xid = *x.p.start_transaction(ServiceGroupId{1});
  REQUIRE(x.p.start_application_message(xid));
  DataOptions kept;
  kept.kept = Kept{0, 16};
  REQUIRE(x.p.send_data(xid, SharedBytes::copy_of("Subject: hello\r\n"), kept));
  REQUIRE(x.p.end_application_message(xid));
  pipe(x.p, x.s);
  events(x.s);
  REQUIRE(x.s.start_application_message(xid));
  REQUIRE(x.s.send_data(xid, SharedBytes::copy_of("X-Scanned: yes\r\n")));
  REQUIRE(x.s.use_yours(xid, 0, 16));
  REQUIRE(x.s.preservation_interest(xid, 0, 0));
  REQUIRE(x.s.end_application_message(xid));
  pipe(x.s, x.p);
  CHECK(take(x.p).empty());
  auto pe = events(x.p);
  auto used = find_event<PreservedDataUsed>(pe);
  REQUIRE(used);
  CHECK(used->bytes.view() == "Subject: hello\r\n");
  CHECK(used->adapted_offset == 16);
  CHECK(find_event<PreservationInterest>(pe));
  CHECK(find_event<ApplicationMessageEnded>(pe));
}

}  // namespace ocp::engine::test
