#include "opes/processor/message_assembler.hpp"

#include "fixtures.hpp"

namespace opes::processor::test {

namespace {

/// Answers every SINGLEHEADERS Subject with a new one, echoes the rest.
std::string new_subject(const OriginalPiece& piece) {
  if (piece.part == AmPart(AmPart::singleheaders) && piece.bytes.starts_with("Subject:")) {
    return "Subject: [scanned] Test\r\n";
  }
  return piece.bytes;
}

const std::vector<ContentLayout>& every_layout() {
  static const std::vector<ContentLayout> layouts = {
      layout_of({AmPart::rawdata}),
      layout_of({AmPart::allheaders, AmPart::body}),
      layout_of({AmPart::singleheaders, AmPart::body}, {}, {"Subject"}),
      layout_of({AmPart::singleheaders, AmPart::body}, {}, {"*"}),
      layout_of({AmPart::allheaders, AmPart::sections}),
      layout_of({AmPart::body}, {AmPart::allheaders}),
      layout_of({AmPart::allheaders}),
      layout_of({AmPart::sections}, {AmPart::singleheaders}, {"*"}),
      layout_of({AmPart::mail, AmPart::rcpt}),
  };
  return layouts;
}

}  // namespace

TEST_CASE("answers equal to the originals reproduce the message byte for byte") {
  for (const auto& layout : every_layout()) {
    for (const std::string& message :
         {kPlain, kMultipart, std::string(), std::string("From: a\r\n"), std::string("\r\n")}) {
      CHECK(round_trip(layout, message) == message);
    }
  }
}

TEST_CASE("nothing adaptive: the kept message streams out as it is noted") {
  const ContentLayout layout = layout_of({AmPart::mail});
  MessageAssembler assembler(layout, {}, spill_directory());
  REQUIRE(assembler.note_original(kept("From: a\r\n\r\n")));
  CHECK(drain(assembler) == "From: a\r\n\r\n");
  REQUIRE(assembler.note_original(kept("body\r\n")));
  CHECK(drain(assembler) == "body\r\n");
  CHECK_FALSE(assembler.finished());
  REQUIRE(assembler.original_finished());
  CHECK(assembler.finished());
}

TEST_CASE("a changed RAWDATA answer in several DUMs is the new message") {
  const ContentLayout layout = layout_of({AmPart::rawdata});
  MessageAssembler assembler(layout, {}, spill_directory());
  REQUIRE(assembler.note_original(sent(AmPart::rawdata, kPlain, true)));
  REQUIRE(assembler.original_finished());
  CHECK(drain(assembler).empty());
  REQUIRE(assembler.add_answer(AmPart::rawdata, "Subject: new\r\n", true));
  CHECK(drain(assembler) == "Subject: new\r\n");
  REQUIRE(assembler.add_answer(AmPart::rawdata, "\r\nnew body\r\n", false));
  CHECK(drain(assembler) == "\r\nnew body\r\n");
  CHECK_FALSE(assembler.finished());
  REQUIRE(assembler.answers_finished());
  CHECK(assembler.finished());
}

TEST_CASE("a changed SINGLEHEADERS answer replaces its field at its place") {
  const auto layout = layout_of({AmPart::singleheaders}, {}, {"*"});
  CHECK(round_trip(layout, kPlain, new_subject) ==
        "From: steve@example.org\r\nTo: sandra@example.com\r\nSubject: [scanned] Test\r\n"
        "\r\nHi, this is a test!\r\n");
}

TEST_CASE("an empty SINGLEHEADERS answer removes the field, several fields replace one") {
  const auto layout = layout_of({AmPart::singleheaders}, {}, {"to", "subject"});
  const auto answer = [](const OriginalPiece& piece) -> std::string {
    if (piece.bytes.starts_with("To:")) return "";
    return "X-Old-Subject: Test\r\n folded\r\nSubject: new\r\n";
  };
  CHECK(round_trip(layout, kPlain, answer) ==
        "From: steve@example.org\r\nX-Old-Subject: Test\r\n folded\r\nSubject: new\r\n"
        "\r\nHi, this is a test!\r\n");
}

TEST_CASE("changed ALLHEADERS and SECTIONS answers appear at their place") {
  const auto layout = layout_of({AmPart::allheaders, AmPart::sections});
  const auto answer = [](const OriginalPiece& piece) -> std::string {
    if (piece.part == AmPart(AmPart::allheaders)) return "Subject: only\r\n\r\n";
    if (piece.bytes.starts_with("--simple boundary\r\n\r\npart one")) return "";  // dropped
    return piece.bytes;
  };
  CHECK(round_trip(layout, kMultipart, answer) ==
        "Subject: only\r\n\r\n"
        "This is the preamble.\r\n"
        "--simple boundary\r\nContent-type: text/plain\r\n\r\npart two\r\n"
        "--simple boundary--\r\nThis is the epilogue.\r\n");
}

TEST_CASE("informative ALLHEADERS is kept and streams before the BODY answer") {
  const auto layout = layout_of({AmPart::body}, {AmPart::allheaders});
  MessageAssembler assembler(layout, {}, spill_directory());
  const auto pieces = split(layout, kPlain);
  REQUIRE(pieces.size() == 2);
  REQUIRE(assembler.note_original(pieces[0]));
  CHECK(drain(assembler) == kPlain.substr(0, 75));
  REQUIRE(assembler.note_original(pieces[1]));
  REQUIRE(assembler.original_finished());
  REQUIRE(assembler.add_answer(AmPart::body, "clean\r\n", true));
  REQUIRE(assembler.answers_finished());
  CHECK(drain(assembler) == "clean\r\n");
  CHECK(assembler.finished());
}

TEST_CASE("only ALLHEADERS adaptive: the kept body waits in a spill file") {
  const auto layout = layout_of({AmPart::allheaders});
  std::string message = "Subject: big\r\n\r\n";
  for (int i = 0; i < 2000; ++i) message += "line " + std::to_string(i) + " of the body\r\n";
  SplitterLimits small_pieces;
  small_pieces.max_piece = 1000;
  AssemblerLimits limits;
  limits.spill_memory = 4096;
  limits.max_output_chunk = 777;
  MessageAssembler assembler(layout, limits, spill_directory());
  std::string out;
  for (const auto& piece : split(layout, message, Chunking::whole, small_pieces)) {
    REQUIRE(assembler.note_original(piece));
    out += drain(assembler);
  }
  REQUIRE(assembler.original_finished());
  CHECK(out.empty());
  CHECK(assembler.spilled_octets() == message.size() - 16 - 4000);
  REQUIRE(assembler.add_answer(AmPart::allheaders, "Subject: big\r\nX-Scanned: yes\r\n\r\n", true));
  REQUIRE(assembler.answers_finished());
  out += drain(assembler);
  CHECK(out == "Subject: big\r\nX-Scanned: yes\r\n" + message.substr(14));
  CHECK(assembler.finished());
}

TEST_CASE("kept octets after the last adaptive part stream at once when nothing follows") {
  const auto layout = layout_of({AmPart::singleheaders}, {}, {"From"});
  MessageAssembler assembler(layout, {}, spill_directory());
  for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
  REQUIRE(assembler.original_finished());
  CHECK(drain(assembler).empty());
  REQUIRE(assembler.add_answer(AmPart::singleheaders, "From: x@example.org\r\n", true));
  // The answer is whole only once the next one begins or the answers end.
  CHECK(drain(assembler).empty());
  REQUIRE(assembler.answers_finished());
  CHECK(drain(assembler) == "From: x@example.org\r\n" + kPlain.substr(25));
}

TEST_CASE("an answer for a part not sent adaptive is an error") {
  const auto layout = layout_of({AmPart::body}, {AmPart::allheaders});
  MessageAssembler assembler(layout, {}, spill_directory());
  for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
  REQUIRE(assembler.original_finished());
  auto refused = assembler.add_answer(AmPart::allheaders, "A: b\r\n\r\n", true);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ContentError::Kind::unexpected_answer);
  CHECK(refused.error().reason ==
        "callout server answered ALLHEADERS, which the processor did not send as adaptive");
  CHECK_FALSE(assembler.take_output());
}

TEST_CASE("a second answer to a part sent once is an error") {
  const auto layout = layout_of({AmPart::allheaders, AmPart::body});
  MessageAssembler assembler(layout, {}, spill_directory());
  for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
  REQUIRE(assembler.original_finished());
  REQUIRE(assembler.add_answer(AmPart::allheaders, "A: b\r\n\r\n", true));
  auto twice = assembler.add_answer(AmPart::allheaders, "A: b\r\n\r\n", true);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().reason == "callout server answered ALLHEADERS twice");
}

TEST_CASE("a SINGLEHEADERS answer that is not header fields fails the transaction") {
  const auto layout = layout_of({AmPart::singleheaders}, {}, {"*"});
  MessageAssembler assembler(layout, {}, spill_directory());
  for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
  REQUIRE(assembler.original_finished());
  REQUIRE(assembler.add_answer(AmPart::singleheaders, "From: a@example.org\r\n", true));
  REQUIRE(assembler.add_answer(AmPart::singleheaders, "not a header", true));
  auto refused = assembler.add_answer(AmPart::singleheaders, "Subject: x\r\n", true);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ContentError::Kind::malformed_answer);
  CHECK(refused.error().reason ==
        "SINGLEHEADERS answer 2 is not header fields: header field 1 is not a field-name, a "
        "colon and CRLF-ended lines (RFC 5322 §2.2)");
}

TEST_CASE("missing SINGLEHEADERS answers are counted at the end of the answers") {
  const auto layout = layout_of({AmPart::singleheaders}, {}, {"*"});
  MessageAssembler assembler(layout, {}, spill_directory());
  for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
  REQUIRE(assembler.original_finished());
  REQUIRE(assembler.add_answer(AmPart::singleheaders, "From: a@example.org\r\n", true));
  REQUIRE(assembler.add_answer(AmPart::singleheaders, "To: b@example.org\r\n", true));
  auto missing = assembler.answers_finished();
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ContentError::Kind::missing_answer);
  CHECK(missing.error().reason == "callout server answered 2 of 3 SINGLEHEADERS fields");
}

TEST_CASE("a BODY answer before every SINGLEHEADERS answer is out of order") {
  const auto layout = layout_of({AmPart::singleheaders, AmPart::body}, {}, {"*"});
  MessageAssembler assembler(layout, {}, spill_directory());
  for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
  REQUIRE(assembler.original_finished());
  REQUIRE(assembler.add_answer(AmPart::singleheaders, "From: a@example.org\r\n", true));
  auto early = assembler.add_answer(AmPart::body, "x\r\n", true);
  REQUIRE_FALSE(early);
  CHECK(early.error().reason ==
        "callout server answered 1 of 3 SINGLEHEADERS fields before it answered BODY");
}

TEST_CASE("an unanswered BODY and extra SINGLEHEADERS answers are errors") {
  const auto layout = layout_of({AmPart::singleheaders, AmPart::body}, {}, {"Subject"});
  {
    MessageAssembler assembler(layout, {}, spill_directory());
    for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
    REQUIRE(assembler.original_finished());
    REQUIRE(assembler.add_answer(AmPart::singleheaders, "Subject: x\r\n", true));
    auto missing = assembler.answers_finished();
    REQUIRE_FALSE(missing);
    CHECK(missing.error().reason == "callout server did not answer BODY");
  }
  {
    MessageAssembler assembler(layout, {}, spill_directory());
    for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
    REQUIRE(assembler.original_finished());
    REQUIRE(assembler.add_answer(AmPart::singleheaders, "Subject: x\r\n", true));
    auto extra = assembler.add_answer(AmPart::singleheaders, "Subject: y\r\n", true);
    REQUIRE_FALSE(extra);
    CHECK(extra.error().reason ==
          "callout server answered more SINGLEHEADERS fields than the 1 sent");
  }
}

TEST_CASE("a SINGLEHEADERS answer when no field was requested is an error") {
  const auto layout = layout_of({AmPart::singleheaders}, {}, {"X-Absent"});
  MessageAssembler assembler(layout, {}, spill_directory());
  for (const auto& piece : split(layout, kPlain)) REQUIRE(assembler.note_original(piece));
  REQUIRE(assembler.original_finished());
  CHECK(drain(assembler) == kPlain);
  auto refused = assembler.add_answer(AmPart::singleheaders, "X-Absent: 1\r\n", true);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().reason ==
        "callout server answered SINGLEHEADERS, which the processor did not send");
}

TEST_CASE("a spill directory that cannot hold the file fails with a reason") {
  const auto layout = layout_of({AmPart::allheaders});
  AssemblerLimits limits;
  limits.spill_memory = 4;
  MessageAssembler assembler(layout, limits, "/nonexistent/opes-spill");
  REQUIRE(assembler.note_original(sent(AmPart::allheaders, "A: 1\r\n\r\n", true)));
  auto failed = assembler.note_original(kept("a body longer than four octets"));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == ContentError::Kind::spill_failed);
  CHECK(failed.error().reason.starts_with("spill file in /nonexistent/opes-spill: "));
}

}  // namespace opes::processor::test
