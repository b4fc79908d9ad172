// RFC 4037 §5, §11.1, §11.2 and the ignore rules, byte for byte.

#include <doctest/doctest.h>

#include "harness.hpp"

namespace ocp::engine::test {

TEST_CASE("start sends CS and nothing else for the callout server") {
  Connection s(config(Role::callout_server), t0);
  REQUIRE(s.start());
  CHECK(take(s) == "CS;\r\n");
  CHECK_FALSE(s.start());  // §11.1: exactly once
  CHECK(take(s).empty());
}

TEST_CASE("receiving before start sends our CS first") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\n", t0);
  CHECK(take(s) == "CS;\r\n");
  auto all = events(s);
  REQUIRE(all.size() == 1);
  CHECK(std::holds_alternative<PeerStarted>(all[0]));
}

TEST_CASE("a first message that is not CS ends the connection with CE 400") {
  Connection s(config(Role::callout_server), t0);
  s.receive("NO ();\r\n", t0);
  CHECK(take(s) == "CS;\r\nCE {400 \"23:first message is not CS\"};\r\n");
  CHECK(s.closed());
  auto all = events(s);
  auto closed = find_event<ConnectionClosed>(all);
  REQUIRE(closed);
  CHECK(closed->closed_by == Side::local);
  CHECK(closed->result.code == 400);
  // Nothing more is read or sent.
  s.receive("CS;\r\n", t0);
  CHECK(take(s).empty());
}

TEST_CASE("a repeated CS is ignored and reported") {
  Connection s(config(Role::callout_server), t0);
  s.receive("CS;\r\nCS;\r\n", t0);
  CHECK(take(s) == "CS;\r\n");
  auto all = events(s);
  auto ignored = find_event<MessageIgnored>(all);
  REQUIRE(ignored);
  CHECK(ignored->name == "CS");
  CHECK(ignored->reason == "repeated CS");
}

TEST_CASE("the peer's CE closes the connection without an answer") {
  Connection s = ready_server(5);
  s.receive("CE {400 \"7:go away\"};\r\n", t0);
  CHECK(take(s).empty());
  CHECK(s.closed());
  CHECK(s.transaction_count() == 0);
  auto all = events(s);
  auto closed = find_event<ConnectionClosed>(all);
  REQUIRE(closed);
  CHECK(closed->closed_by == Side::peer);
  CHECK(closed->result.code == 400);
  CHECK(closed->result.reason == "go away");
}

TEST_CASE("a CE without a result counts as 200") {
  Connection s = ready_server(0);
  s.receive("CE;\r\n", t0);
  auto closed = find_event<ConnectionClosed>(events(s));
  REQUIRE(closed);
  CHECK(closed->result.code == 200);
}

TEST_CASE("transport EOF without CE counts as CE 400") {
  Connection s = ready_server(5);
  s.receive_eof();
  CHECK(take(s).empty());
  CHECK(s.closed());
  auto closed = find_event<ConnectionClosed>(events(s));
  REQUIRE(closed);
  CHECK(closed->closed_by == Side::peer);
  CHECK(closed->result.code == 400);
  CHECK(closed->result.reason == "transport closed without CE");
}

TEST_CASE("a syntax error ends the connection with CE 400 naming the offset") {
  Connection s = ready_server(0);
  s.receive("TS 5 1 *;\r\n", t0);
  std::string out = take(s);
  CHECK(out.rfind("CE {400 \"", 0) == 0);
  CHECK(out.find("syntax error: offset ") != std::string::npos);
  CHECK(s.closed());
}

TEST_CASE("an unknown message name is ignored (A-7)") {
  Connection s = ready_server(0);
  s.receive("CSE {400 x};\r\n", t0);
  CHECK(take(s).empty());
  CHECK_FALSE(s.closed());
  auto ignored = find_event<MessageIgnored>(events(s));
  REQUIRE(ignored);
  CHECK(ignored->name == "CSE");
  CHECK(ignored->reason == "unknown message");
}

TEST_CASE("messages only the other role may send are ignored and reported (A-8)") {
  SUBCASE("TS and DSS reaching the processor") {
    Connection p = ready_processor();
    p.receive("TS 9 1;\r\nDSS 1;\r\n", t0);
    CHECK(take(p).empty());
    auto all = events(p);
    REQUIRE(all.size() == 2);
    CHECK(std::get<MessageIgnored>(all[0]).reason == "TS from the callout server has no meaning");
    CHECK(std::get<MessageIgnored>(all[1]).reason == "DSS from the callout server has no meaning");
  }
  SUBCASE("DUY, DPI, DWSR and DWSS reaching the callout server") {
    Connection s = ready_server(5);
    s.receive("DUY 5 0 1;\r\nDPI 5 0 1;\r\nDWSR 5 0;\r\nDWSS 5;\r\n", t0);
    CHECK(take(s).empty());
    auto all = events(s);
    REQUIRE(all.size() == 4);
    CHECK(std::get<MessageIgnored>(all[0]).reason == "DUY from the processor has no meaning");
    CHECK(std::get<MessageIgnored>(all[3]).reason == "DWSS from the processor has no meaning");
  }
  SUBCASE("a malformed wrong-side message is still only ignored") {
    Connection s = ready_server(5);
    s.receive("DUY x;\r\n", t0);
    CHECK(take(s).empty());
    CHECK_FALSE(s.closed());
  }
}

TEST_CASE("a connection-scoped message that does not decode ends the connection") {
  Connection s = ready_server(0);
  s.receive("SGD x;\r\n", t0);
  CHECK(take(s) == ce400("SGD: parameter 'my-sg-id': 'x' is not a decimal number"));
}

TEST_CASE("close sends CE and refuses later commands") {
  Connection s = ready_server(5);
  REQUIRE(s.close(Result::failure("shutting down")));
  CHECK(take(s) == "CE {400 \"13:shutting down\"};\r\n");
  CHECK(s.closed());
  auto again = s.close();
  REQUIRE_FALSE(again);
  CHECK(again.error().reason == "connection is closed");
  CHECK_FALSE(s.send_data(Xid{5}, SharedBytes::copy_of("x")));
}

TEST_CASE("commands before start are refused") {
  Connection p(config(Role::processor), t0);
  auto r = p.offer({});
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == "start() first: CS must be sent first");
  CHECK(take(p).empty());
}

TEST_CASE("answers to a peer that never reads are bounded by the output limit") {
  Config c = config(Role::callout_server);
  c.limits.max_output_bytes = 64;
  Connection s = ready_server(0, c);
  std::string queries;
  for (int i = 0; i < 40; ++i) queries += "PQ;\r\n";
  s.receive(queries, t0);
  std::string out = take(s);
  CHECK(out.size() < 200);
  CHECK(out.ends_with(ce400("output buffer limit exceeded")));
  CHECK(s.closed());
}

TEST_CASE("commands are refused while the output buffer is full") {
  Config c = config(Role::callout_server);
  c.limits.max_output_bytes = 16;
  Connection s = ready_server(5, c);
  REQUIRE(s.start_application_message(Xid{5}));
  REQUIRE(s.send_data(Xid{5}, SharedBytes::copy_of("0123456789abcdef")));
  auto full = s.send_data(Xid{5}, SharedBytes::copy_of("x"));
  REQUIRE_FALSE(full);
  CHECK(full.error().reason == "output buffer full");
  take(s);
  CHECK(s.send_data(Xid{5}, SharedBytes::copy_of("x")));
}

}  // namespace ocp::engine::test
