// RFC 4037 §8, §11.9, §11.12–§11.17, §11.22–§11.24 and:
// data offsets, getting out of the loop, pause and progress, byte for byte.

#include <doctest/doctest.h>

#include "harness.hpp"

namespace ocp::engine::test {

TEST_CASE("DUMs arrive as events with shared payloads and profile parameters") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\nAM-Part: rawdata\r\n\r\n3:abc\r\n;\r\nDUM 5 3\r\n2:de\r\n;\r\n", t0);
  CHECK(take(s).empty());
  auto all = events(s);
  REQUIRE(all.size() == 2);
  const auto& first = std::get<DataReceived>(all[0]);
  CHECK(first.flow == Dataflow::original);
  CHECK(first.offset == 0);
  CHECK(first.payload.view() == "abc");
  REQUIRE(first.extensions.find("AM-Part"));
  const auto& second = std::get<DataReceived>(all[1]);
  CHECK(second.offset == 3);
  CHECK(second.payload.view() == "de");
}

TEST_CASE("a DUM with a gap ends the transaction") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\n3:abc\r\n;\r\nDUM 5 7\r\n1:x\r\n;\r\n", t0);
  CHECK(take(s) == "TE 5 {400 \"34:DUM offset 7 is not the expected 3\"};\r\n");
  CHECK_FALSE(s.transaction_live(Xid{5}));
}

TEST_CASE("a DUM that overlaps ends the transaction") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\n3:abc\r\n;\r\nDUM 5 2\r\n1:x\r\n;\r\n", t0);
  CHECK(take(s) == te400(5, "DUM offset 2 is not the expected 3"));
}

TEST_CASE("a DUM without payload ends the transaction") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0;\r\n", t0);
  CHECK(take(s) == te400(5, "DUM: parameter 'payload': missing required payload"));
}

TEST_CASE("an empty payload is valid and moves no offset") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\n0:\r\n;\r\nDUM 5 0\r\n1:a\r\n;\r\n", t0);
  CHECK(take(s).empty());
  CHECK(events(s).size() == 2);
}

TEST_CASE("DUM before AMS and after AME end the transaction") {
  SUBCASE("before") {
    Connection s = ready_server(0);
    s.receive("TS 5 1;\r\nDUM 5 0\r\n1:a\r\n;\r\n", t0);
    CHECK(take(s) == te400(5, "DUM before AMS"));
  }
  SUBCASE("after") {
    Connection s = ready_server(5);
    s.receive("AME 5;\r\nDUM 5 0\r\n1:a\r\n;\r\n", t0);
    CHECK(take(s) == te400(5, "DUM after AME"));
  }
}

TEST_CASE("our DUMs carry the running offset and the options") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\n5:hello\r\n;\r\n", t0);
  REQUIRE(s.start_application_message(Xid{5}));
  DataOptions o;
  o.as_is = 0;
  o.modp = Percent{0};
  REQUIRE(s.send_data(Xid{5}, SharedBytes::copy_of("hello"), o));
  REQUIRE(s.send_data(Xid{5}, SharedBytes::copy_of("!")));
  CHECK(take(s) ==
        "AMS 5;\r\nDUM 5 0\r\nAs-is: 0\r\nModp: 0\r\n\r\n5:hello\r\n;\r\nDUM 5 5\r\n1:!\r\n;\r\n");
}

TEST_CASE("options are checked against the sender's role and the data seen") {
  Connection s = ready_server(5);
  REQUIRE(s.start_application_message(Xid{5}));
  DataOptions as_is;
  as_is.as_is = 0;
  auto beyond = s.send_data(Xid{5}, SharedBytes::copy_of("x"), as_is);
  REQUIRE_FALSE(beyond);
  CHECK(beyond.error().reason == "As-is points beyond received original data");
  DataOptions kept;
  kept.kept = Kept{0, 1};
  CHECK(s.send_data(Xid{5}, SharedBytes::copy_of("x"), kept).error().reason ==
        "Kept is sent only by the processor");
  Connection p = ready_processor();
  CHECK(p.send_data(Xid{1}, SharedBytes::copy_of("x"), as_is).error().reason ==
        "As-is and Modp are sent only by the callout server");
}

TEST_CASE("an As-is beyond the original data sent is ignored, not the DUM") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abcd")));
  take(p);
  p.receive("DUM 1 0\r\nAs-is: 0\r\n\r\n2:ab\r\n;\r\nDUM 1 2\r\nAs-is: 3\r\n\r\n2:de\r\n;\r\n", t0);
  CHECK(take(p).empty());
  auto all = events(p);
  REQUIRE(all.size() == 2);
  CHECK(std::get<DataReceived>(all[0]).as_is == 0u);
  CHECK_FALSE(std::get<DataReceived>(all[1]).as_is);
}

// ---- getting out of the loop (§8) ----------------------------------------------

TEST_CASE("DWSS then DSS: the server answers DSS with AME 206 at once") {
  Connection s = ready_server(5);
  REQUIRE(s.start_application_message(Xid{5}));
  REQUIRE(s.want_stop_sending(Xid{5}));
  CHECK(take(s) == "AMS 5;\r\nDWSS 5;\r\n");
  s.receive("DSS 5;\r\n", t0);
  CHECK(take(s) == "AME 5 {206 \"14:stopped by DSS\"};\r\n");
  CHECK(find_event<StopSendingOrdered>(events(s)));
  // A DSS for an adapted flow that already ended is ignored.
  s.receive("DSS 5;\r\n", t0);
  CHECK(take(s).empty());
  CHECK(find_event<MessageIgnored>(events(s))->reason == "adapted dataflow has ended");
}

TEST_CASE("an unsolicited DSS ends the transaction") {
  Connection s = ready_server(5);
  REQUIRE(s.start_application_message(Xid{5}));
  take(s);
  s.receive("DSS 5;\r\n", t0);
  CHECK(take(s) == te400(5, "unsolicited DSS"));
}

TEST_CASE("the server cannot end its adapted flow with 206 on its own") {
  Connection s = ready_server(5);
  REQUIRE(s.start_application_message(Xid{5}));
  auto r = s.end_application_message(Xid{5}, Result::partial());
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == "AME 206 from the callout server needs a DSS");
}

TEST_CASE("the processor refuses an adapted AME 206 it did not order with DSS") {
  SUBCASE("after DWSS but before DSS") {
    Connection p = ready_processor();
    p.receive("DWSS 1;\r\nAME 1 {206 partial};\r\n", t0);
    CHECK(take(p) == te400(1, "AME 206 before DSS"));
  }
  SUBCASE("without DWSS") {
    Connection p = ready_processor();
    p.receive("AME 1 {206 partial};\r\n", t0);
    CHECK(take(p) == te400(1, "AME 206 without DWSS and DSS"));
  }
}

TEST_CASE("DSS needs a DWSS") {
  Connection p = ready_processor();
  auto r = p.stop_sending(Xid{1});
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == "DSS needs the callout server's DWSS");
}

TEST_CASE("getting out of the loop: DWSS, DWSR, DSS before AME 206 (§8.3, A-13, A-36)") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc")));
  take(p);
  p.receive("DWSS 1;\r\nDWSR 1 3;\r\n", t0);
  auto all = events(p);
  REQUIRE(all.size() == 2);
  CHECK(std::holds_alternative<StopSendingRequested>(all[0]));
  CHECK(std::get<StopReceivingRequested>(all[1]).org_size == 3);
  // §8.3: the original AME 206 must wait for the DSS.
  auto early = p.end_application_message(Xid{1}, Result::partial());
  REQUIRE_FALSE(early);
  CHECK(early.error().reason == "send DSS before AME 206");
  REQUIRE(p.stop_sending(Xid{1}));
  CHECK(p.stop_sending_offset(Xid{1}) == 3u);
  REQUIRE(p.end_application_message(Xid{1}, Result::partial()));
  CHECK(take(p) == "DSS 1;\r\nAME 1 {206 partial};\r\n");
  p.receive("AME 1 {206 \"14:stopped by DSS\"};\r\n", t0);
  CHECK(take(p).empty());
  auto ended = find_event<ApplicationMessageEnded>(events(p));
  REQUIRE(ended);
  CHECK(ended->result.code == 206);
}

TEST_CASE("the processor cuts the original flow short only after DWSR (A-36)") {
  Connection p = ready_processor();
  auto r = p.end_application_message(Xid{1}, Result::partial());
  REQUIRE_FALSE(r);
  CHECK(r.error().reason == "AME 206 needs the callout server's DWSR");
  p.receive("DWSR 1 0;\r\n", t0);
  CHECK(p.end_application_message(Xid{1}, Result::partial()));
}

// ---- pause (c.7) ------------------------------------------------------------------

TEST_CASE("DWP beyond the data sent: data up to the offset, then DPM (A-14)") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("ab")));
  take(p);
  p.receive("DWP 1 5;\r\n", t0);
  CHECK(take(p).empty());
  auto pause = find_event<PauseRequested>(events(p));
  REQUIRE(pause);
  CHECK_FALSE(pause->paused_now);
  CHECK(p.send_window(Xid{1}) == 3u);
  auto too_much = p.send_data(Xid{1}, SharedBytes::copy_of("cdef"));
  REQUIRE_FALSE(too_much);
  CHECK(too_much.error().reason == "data would pass the pause offset 5");
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("cde")));
  CHECK(take(p) == "DUM 1 2\r\n3:cde\r\n;\r\nDPM 1;\r\n");
  CHECK(p.send_data(Xid{1}, SharedBytes::copy_of("")).error().reason ==
        "dataflow is paused (DPM sent)");
  p.receive("DWM 1\r\nSize-request: 100\r\n;\r\n", t0);
  auto more = find_event<MoreDataRequested>(events(p));
  REQUIRE(more);
  CHECK(more->size_request == 100u);
  CHECK_FALSE(p.send_window(Xid{1}));
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("f")));
  CHECK(take(p) == "DUM 1 5\r\n1:f\r\n;\r\n");
}

TEST_CASE("DWP at or below the data sent: DPM at once") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc")));
  take(p);
  p.receive("DWP 1 0;\r\n", t0);
  CHECK(take(p) == "DPM 1;\r\n");
  CHECK(find_event<PauseRequested>(events(p))->paused_now);
}

TEST_CASE("data after the peer's DPM and before our DWM ends the transaction") {
  Connection s = ready_server(5);
  s.receive("DPM 5;\r\n", t0);
  CHECK(find_event<PeerPaused>(events(s)));
  s.receive("DUM 5 0\r\n1:a\r\n;\r\n", t0);
  CHECK(take(s) == te400(5, "data after DPM"));
}

TEST_CASE("our DWM lifts the peer's pause") {
  Connection s = ready_server(5);
  REQUIRE(s.want_paused(Xid{5}, 0));
  s.receive("DPM 5;\r\n", t0);
  REQUIRE(s.want_more(Xid{5}, 4096));
  CHECK(take(s) == "DWP 5 0;\r\nDWM 5\r\nSize-request: 4096\r\n;\r\n");
  s.receive("DUM 5 0\r\n1:a\r\n;\r\n", t0);
  CHECK(take(s).empty());
}

TEST_CASE("an unsolicited DPM pauses our own flow until DWM") {
  Connection s = ready_server(5);
  REQUIRE(s.start_application_message(Xid{5}));
  REQUIRE(s.paused(Xid{5}));
  CHECK(take(s) == "AMS 5;\r\nDPM 5;\r\n");
  CHECK(s.send_window(Xid{5}) == 0u);
  REQUIRE_FALSE(s.send_data(Xid{5}, SharedBytes::copy_of("x")));
  s.receive("DWM 5;\r\n", t0);
  CHECK(s.send_data(Xid{5}, SharedBytes::copy_of("x")));
}

// ---- progress (§11.22–§11.24) -------------------------------------------------------

TEST_CASE("PQ is answered at once with the xid and Org-Data rules of §11.23") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\n4:abcd\r\n;\r\n", t0);
  take(s);
  s.receive("PQ 5;\r\nPQ 9;\r\nPQ;\r\n", t0);
  CHECK(take(s) == "PA 5\r\nOrg-Data: 4\r\n;\r\nPA;\r\nPA;\r\n");
  s.receive("AME 5;\r\nPQ 5;\r\n", t0);
  CHECK(take(s) == "PA 5;\r\n");  // no Org-Data after the original AME
}

TEST_CASE("the processor reports progress and matches answers to queries") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc")));
  REQUIRE(p.progress_report(Xid{1}));
  REQUIRE(p.progress_query(Xid{1}));
  CHECK(take(p) == "DUM 1 0\r\n3:abc\r\n;\r\nPR 1\r\nOrg-Data: 3\r\n;\r\nPQ 1;\r\n");
  p.receive("PA 1\r\nOrg-Data: 3\r\n;\r\nPR;\r\n", t0);
  auto all = events(p);
  REQUIRE(all.size() == 2);
  const auto& answered = std::get<ProgressAnswered>(all[0]);
  CHECK(answered.queried->value == 1);
  CHECK(answered.org_data == 3u);
  CHECK(std::holds_alternative<ProgressReported>(all[1]));
}

}  // namespace ocp::engine::test
