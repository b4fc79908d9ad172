#include "opes/processor/header_prepender.hpp"

#include "fixtures.hpp"

namespace opes::processor::test {

namespace {

using ocp::smtp::HeaderField;

const std::string kFigure17Received =
    "Received: from gateway.example.com ([192.0.2.138])\r\n"
    " by mail.example.com with testserver;\r\n"
    " Mon, 10 Oct 2005 05:37:19 +0200\r\n";
const std::string kFigure17System = "OPES-System: http://mail.example.com/opes?id=33W9WIMC\r\n";
/// draft §4.1 Figure 17 as the second OPES system received it: without the
/// first Received and OPES-System lines, which the second system adds.
const std::string kBeforeSecondSystem =
    "Received: from mail2.example.org [192.0.2.99]\r\n"
    " by gateway.example.com id 33W9WIMC;\r\n"
    " Mon, 10 Oct 2005 05:35:55 +0200\r\n"
    "OPES-System: http://gateway.example.com/opes?session=33W9WIMC\r\n"
    "OPES-Via: http://gateway.example.com/opes?session=33W9WIMC,\r\n"
    "          http://www.opes-services-4u.com/cat/?sid=123,\r\n"
    "          http://www.opes-services-4u.com/cat/?sid=124,\r\n"
    "          http://www.opes-services-4u.com/cat/?sid=125 ; mode=A\r\n"
    "Subject: Test\r\n"
    "From: \"Steve\" <steve@example.org>\r\n"
    "To: \"Sandra\" <sandra@example.com>\r\n"
    "\r\n"
    "Hi, this is a test!\r\n";

HeaderInsertion second_system() {
  HeaderInsertion insertion;
  insertion.received = {{"Received",
                         " from gateway.example.com ([192.0.2.138])\r\n"
                         " by mail.example.com with testserver;\r\n"
                         " Mon, 10 Oct 2005 05:37:19 +0200"}};
  insertion.opes_trace = {{"OPES-System", " http://mail.example.com/opes?id=33W9WIMC"}};
  return insertion;
}

std::string prepend(const HeaderInsertion& insertion, std::string_view message,
                    Chunking chunking = Chunking::whole) {
  HeaderPrepender prepender(insertion);
  std::string out;
  for (std::string_view chunk : chunks_of(message, chunking)) {
    REQUIRE(prepender.feed(chunk));
    out += prepender.take_output();
  }
  REQUIRE(prepender.finish());
  out += prepender.take_output();
  return out;
}

}  // namespace

TEST_CASE("draft 4.1 Figure 17: OPES-System goes before the existing OPES lines") {
  const std::size_t first_opes = kBeforeSecondSystem.find("OPES-System");
  const std::string expected = kFigure17Received + kBeforeSecondSystem.substr(0, first_opes) +
                               kFigure17System + kBeforeSecondSystem.substr(first_opes);
  for (Chunking chunking : {Chunking::whole, Chunking::octets, Chunking::random}) {
    CHECK(prepend(second_system(), kBeforeSecondSystem, chunking) == expected);
  }
}

TEST_CASE("without OPES lines the trace goes at the top after Received and before added fields") {
  HeaderInsertion insertion = second_system();
  insertion.opes_trace.push_back({"OPES-Via", " http://mail.example.com/opes?id=33W9WIMC"});
  insertion.added = {{"X-Original-User", " paul@example.com"}, {"X-Scanned", " yes"}};
  CHECK(prepend(insertion, kPlain) ==
        kFigure17Received + kFigure17System +
            "OPES-Via: http://mail.example.com/opes?id=33W9WIMC\r\n"
            "X-Original-User: paul@example.com\r\nX-Scanned: yes\r\n" +
            kPlain);
}

TEST_CASE("added fields go at the top even when the message has OPES lines") {
  HeaderInsertion insertion;
  insertion.added = {{"X-Scanned", " yes"}};
  insertion.opes_trace = {{"OPES-System", " http://p.example/"}};
  const std::string message =
      "Subject: a\r\nopes-via: http://x.example/,\r\n http://y.example/\r\n"
      "OPES-System: http://x.example/\r\n\r\nbody\r\n";
  CHECK(prepend(insertion, message, Chunking::octets) ==
        "X-Scanned: yes\r\nSubject: a\r\nOPES-System: http://p.example/\r\n"
        "opes-via: http://x.example/,\r\n http://y.example/\r\n"
        "OPES-System: http://x.example/\r\n\r\nbody\r\n");
}

TEST_CASE("a folded field merely mentioning OPES-System is not an OPES line") {
  HeaderInsertion insertion;
  insertion.opes_trace = {{"OPES-System", " http://p.example/"}};
  const std::string message = "Subject: a\r\n OPES-System: no\r\nX-OPES-System: no\r\n\r\n";
  CHECK(prepend(insertion, message) == "OPES-System: http://p.example/\r\n" + message);
}

TEST_CASE("a message with no body gets its fields at finish") {
  HeaderInsertion insertion;
  insertion.added = {{"X-A", " 1"}};
  HeaderPrepender prepender(insertion);
  REQUIRE(prepender.feed("Subject: a\r\n"));
  CHECK(prepender.take_output().empty());
  CHECK_FALSE(prepender.header_section_done());
  REQUIRE(prepender.finish());
  CHECK(prepender.take_output() == "X-A: 1\r\nSubject: a\r\n");
  CHECK(prepender.header_section() == "X-A: 1\r\nSubject: a\r\n");
  CHECK(prepend(insertion, "") == "X-A: 1\r\n");
}

TEST_CASE("after the header section the body streams through") {
  HeaderInsertion insertion;
  insertion.added = {{"X-A", " 1"}};
  HeaderPrepender prepender(insertion);
  REQUIRE(prepender.feed("Subject: a\r\n\r"));
  CHECK(prepender.take_output().empty());
  REQUIRE(prepender.feed("\nbody"));
  CHECK(prepender.take_output() == "X-A: 1\r\nSubject: a\r\n\r\nbody");
  CHECK(prepender.header_section() == "X-A: 1\r\nSubject: a\r\n\r\n");
  REQUIRE(prepender.feed(" more\r\n\r\nSubject: not a header\r\n"));
  CHECK(prepender.take_output() == " more\r\n\r\nSubject: not a header\r\n");
  REQUIRE(prepender.finish());
  CHECK(prepender.take_output().empty());
}

TEST_CASE("a message starting with the empty line gets the fields before it") {
  HeaderInsertion insertion;
  insertion.added = {{"X-A", " 1"}};
  CHECK(prepend(insertion, "\r\nbody\r\n", Chunking::octets) == "X-A: 1\r\n\r\nbody\r\n");
}

TEST_CASE("a header section over the limit is an error") {
  PrependerLimits limits;
  limits.max_header_section = 16;
  HeaderPrepender prepender({}, limits);
  REQUIRE(prepender.feed("Subject: 0123"));
  auto over = prepender.feed("4\r\n\r\nbody");
  REQUIRE_FALSE(over);
  CHECK(over.error().kind == ContentError::Kind::limit_exceeded);
  CHECK(over.error().reason == "header section exceeds 16 octets (max_header_section)");
  CHECK_FALSE(prepender.finish());
  HeaderPrepender at_limit({}, limits);
  REQUIRE(at_limit.feed("Subject: 012\r\n\r\nbody that is long"));
  CHECK(at_limit.take_output() == "Subject: 012\r\n\r\nbody that is long");
  HeaderPrepender no_end({}, limits);
  CHECK_FALSE(no_end.feed("Subject: 0123456789"));
}

}  // namespace opes::processor::test
