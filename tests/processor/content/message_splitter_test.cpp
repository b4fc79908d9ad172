#include "opes/processor/message_splitter.hpp"

#include "fixtures.hpp"

namespace opes::processor::test {

namespace {

/// The pieces must not depend on how the message was fed.
std::vector<OriginalPiece> split_every_way(const ContentLayout& layout, std::string_view message,
                                           SplitterLimits limits = {}) {
  const auto whole = split(layout, message, Chunking::whole, limits);
  CHECK(split(layout, message, Chunking::octets, limits) == whole);
  for (unsigned seed = 1; seed <= 5; ++seed) {
    CHECK(split(layout, message, Chunking::random, limits, seed) == whole);
  }
  std::string joined;
  for (const auto& piece : whole) joined += piece.bytes;
  CHECK(joined == message);
  return whole;
}

}  // namespace

TEST_CASE("nothing negotiated: the message is one kept piece") {
  const auto pieces = split_every_way(layout_of({AmPart::mail}), kPlain);
  CHECK(pieces == std::vector<OriginalPiece>{kept(kPlain)});
}

TEST_CASE("RAWDATA is the whole message, cut at max_piece") {
  const auto pieces = split_every_way(layout_of({AmPart::rawdata}), kPlain);
  CHECK(pieces == std::vector<OriginalPiece>{sent(AmPart::rawdata, kPlain, true)});
  SplitterLimits small;
  small.max_piece = 40;
  const auto cut = split_every_way(layout_of({AmPart::rawdata}), kPlain, small);
  CHECK(cut == std::vector<OriginalPiece>{
                   sent(AmPart::rawdata, kPlain.substr(0, 40), true),
                   sent(AmPart::rawdata, kPlain.substr(40, 40), false),
                   sent(AmPart::rawdata, kPlain.substr(80), false),
               });
}

TEST_CASE("ALLHEADERS with BODY: the header section with its empty line, then the body") {
  const auto pieces = split_every_way(layout_of({AmPart::allheaders, AmPart::body}), kPlain);
  CHECK(pieces == std::vector<OriginalPiece>{
                      sent(AmPart::allheaders,
                           "From: steve@example.org\r\nTo: sandra@example.com\r\n"
                           "Subject: Test\r\n folded\r\n\r\n",
                           true),
                      sent(AmPart::body, "Hi, this is a test!\r\n", true),
                  });
}

TEST_CASE("SINGLEHEADERS with Header-List Subject sends that field alone and keeps the rest") {
  const auto pieces =
      split_every_way(layout_of({AmPart::singleheaders, AmPart::body}, {}, {"Subject"}), kPlain);
  CHECK(pieces == std::vector<OriginalPiece>{
                      kept("From: steve@example.org\r\nTo: sandra@example.com\r\n"),
                      sent(AmPart::singleheaders, "Subject: Test\r\n folded\r\n", true),
                      kept("\r\n"),
                      sent(AmPart::body, "Hi, this is a test!\r\n", true),
                  });
}

TEST_CASE("SINGLEHEADERS with the wildcard sends every field in its own instance") {
  const auto pieces =
      split_every_way(layout_of({AmPart::singleheaders, AmPart::body}, {}, {"*"}), kPlain);
  CHECK(pieces == std::vector<OriginalPiece>{
                      sent(AmPart::singleheaders, "From: steve@example.org\r\n", true),
                      sent(AmPart::singleheaders, "To: sandra@example.com\r\n", true),
                      sent(AmPart::singleheaders, "Subject: Test\r\n folded\r\n", true),
                      kept("\r\n"),
                      sent(AmPart::body, "Hi, this is a test!\r\n", true),
                  });
}

TEST_CASE("SINGLEHEADERS keeps lines that are not well-formed fields") {
  const std::string message = "Subject: a\r\nno colon\r\nX-A: bare\rCR\r\n\r\n";
  const auto pieces = split_every_way(layout_of({AmPart::singleheaders}, {}, {"*"}), message);
  CHECK(pieces == std::vector<OriginalPiece>{
                      sent(AmPart::singleheaders, "Subject: a\r\n", true),
                      kept("no colon\r\nX-A: bare\rCR\r\n\r\n"),
                  });
}

TEST_CASE("ALLHEADERS with SECTIONS cuts a multipart body at its delimiter lines") {
  const auto pieces =
      split_every_way(layout_of({AmPart::allheaders, AmPart::sections}), kMultipart);
  CHECK(pieces ==
        std::vector<OriginalPiece>{
            sent(AmPart::allheaders,
                 "From: nathaniel@example.org\r\nContent-Type: multipart/mixed;\r\n"
                 " boundary=\"simple boundary\"\r\n\r\n",
                 true),
            sent(AmPart::sections, "This is the preamble.\r\n", true),
            sent(AmPart::sections, "--simple boundary\r\n\r\npart one\r\n", true),
            sent(AmPart::sections,
                 "--simple boundary\r\nContent-type: text/plain\r\n\r\npart two\r\n", true),
            sent(AmPart::sections, "--simple boundary--\r\nThis is the epilogue.\r\n", true),
        });
}

TEST_CASE("SECTIONS: no preamble section when the body starts with a delimiter line") {
  const std::string message =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nx\r\n--b--\r\n--b\r\n";
  const auto pieces = split_every_way(layout_of({AmPart::sections}), message);
  CHECK(pieces == std::vector<OriginalPiece>{
                      kept("Content-Type: multipart/mixed; boundary=b\r\n\r\n"),
                      sent(AmPart::sections, "--b\r\nx\r\n", true),
                      sent(AmPart::sections, "--b--\r\n--b\r\n", true),
                  });
}

TEST_CASE("SECTIONS: lines that only look like delimiters do not cut") {
  const std::string message =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--bx\r\n -b\r\nx--b\r\n--b \r\nend";
  const auto pieces = split_every_way(layout_of({AmPart::sections}), message);
  CHECK(pieces == std::vector<OriginalPiece>{
                      kept("Content-Type: multipart/mixed; boundary=b\r\n\r\n"),
                      sent(AmPart::sections, "--bx\r\n -b\r\nx--b\r\n", true),
                      sent(AmPart::sections, "--b \r\nend", true),
                  });
}

TEST_CASE("SECTIONS: a body that is not multipart is one section") {
  const auto pieces = split_every_way(layout_of({AmPart::allheaders, AmPart::sections}), kPlain);
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[1] == sent(AmPart::sections, "Hi, this is a test!\r\n", true));
}

TEST_CASE("SECTIONS: nested multiparts are not cut further") {
  const std::string message =
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\n\r\na\r\n--inner--\r\n--outer--\r\n";
  const auto pieces = split_every_way(layout_of({AmPart::sections}), message);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[1].bytes ==
        "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
        "--inner\r\n\r\na\r\n--inner--\r\n");
  CHECK(pieces[2].bytes == "--outer--\r\n");
}

TEST_CASE("informative ALLHEADERS with adaptive BODY marks only the body adaptive") {
  const auto pieces = split_every_way(layout_of({AmPart::body}, {AmPart::allheaders}), kPlain);
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[0] == sent(AmPart::allheaders, kPlain.substr(0, 75), true, false));
  CHECK(pieces[1] == sent(AmPart::body, "Hi, this is a test!\r\n", true, true));
}

TEST_CASE("only ALLHEADERS adaptive: the body is kept") {
  const auto pieces = split_every_way(layout_of({AmPart::allheaders}), kPlain);
  CHECK(pieces == std::vector<OriginalPiece>{
                      sent(AmPart::allheaders, kPlain.substr(0, 75), true),
                      kept("Hi, this is a test!\r\n"),
                  });
}

TEST_CASE("RFC 5322 2.1: a message without an empty line is all header section") {
  const std::string message = "From: a\r\nSubject: b\r\n";
  const auto pieces = split_every_way(layout_of({AmPart::allheaders, AmPart::body}), message);
  CHECK(pieces == std::vector<OriginalPiece>{
                      sent(AmPart::allheaders, message, true),
                      sent(AmPart::body, "", true),
                  });
}

TEST_CASE("an empty message still sends one empty instance of each part") {
  CHECK(split_every_way(layout_of({AmPart::allheaders, AmPart::sections}), "") ==
        std::vector<OriginalPiece>{sent(AmPart::allheaders, "", true),
                                   sent(AmPart::sections, "", true)});
  CHECK(split_every_way(layout_of({AmPart::rawdata}), "") ==
        std::vector<OriginalPiece>{sent(AmPart::rawdata, "", true)});
  CHECK(split_every_way(layout_of({AmPart::singleheaders}, {}, {"*"}), "").empty());
  CHECK(split_every_way(layout_of({}), "").empty());
}

TEST_CASE("a message that starts with the empty line has an ALLHEADERS of that line alone") {
  const auto pieces =
      split_every_way(layout_of({AmPart::allheaders, AmPart::body}), "\r\nbody\r\n");
  CHECK(pieces == std::vector<OriginalPiece>{sent(AmPart::allheaders, "\r\n", true),
                                             sent(AmPart::body, "body\r\n", true)});
}

TEST_CASE("a header field over max_header_field refuses the message") {
  SplitterLimits limits;
  limits.max_header_field = 16;
  MessageSplitter splitter(layout_of({AmPart::allheaders}), limits);
  CHECK(splitter.feed("Short: 1\r\n"));
  auto refused = splitter.feed("Subject: seventeen\r\n");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ContentError::Kind::limit_exceeded);
  CHECK(refused.error().reason == "header field exceeds 16 octets (max_header_field)");
  CHECK_FALSE(splitter.feed("more"));
  CHECK_FALSE(splitter.finish());
}

TEST_CASE("a header section over max_header_section refuses the message") {
  SplitterLimits limits;
  limits.max_header_section = 19;
  MessageSplitter splitter(layout_of({AmPart::body}), limits);
  CHECK(splitter.feed("A: 1\r\nB: 2\r\nC: 3\r\n"));
  auto refused = splitter.feed("\r\nbody");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().reason == "header section exceeds 19 octets (max_header_section)");
  // Exactly at the limit is accepted.
  limits.max_header_section = 20;
  MessageSplitter at_limit(layout_of({AmPart::body}), limits);
  CHECK(at_limit.feed("A: 1\r\nB: 2\r\nC: 3\r\n\r\n"));
}

TEST_CASE("RAWDATA and a message kept whole are measured against max_header_section too") {
  SplitterLimits limits;
  limits.max_header_section = 20;
  for (const auto& layout : {layout_of({AmPart::rawdata}), layout_of({AmPart::mail})}) {
    MessageSplitter at_limit(layout, limits);
    CHECK(at_limit.feed("A: 1\r\nB: 2\r\nC: 3\r\n\r\n" + std::string(100, 'x') + "\r\n\r\n"));
    MessageSplitter no_header(layout, limits);
    CHECK(no_header.feed("\r\n" + std::string(100, 'x')));
    MessageSplitter over(layout, limits);
    CHECK(over.feed("A: 1\r\nB: 2\r\nC: 3\r"));
    auto refused = over.feed("\nD\r\n\r\n");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ContentError::Kind::limit_exceeded);
    CHECK(refused.error().reason == "header section exceeds 20 octets (max_header_section)");
    MessageSplitter octets(layout, limits);
    std::string message = "A: 1\r\nB: 2\r\nC: 3\r\nD\r\n\r\n";
    bool failed = false;
    for (char c : message) failed = failed || !octets.feed(std::string_view(&c, 1));
    CHECK(failed);
  }
}

TEST_CASE("BODY pieces are cut at max_piece, the header section is not cut by fields") {
  SplitterLimits limits;
  limits.max_piece = 8;
  const auto pieces = split_every_way(
      layout_of({AmPart::singleheaders, AmPart::body}, {}, {"subject"}), kPlain, limits);
  CHECK(pieces == std::vector<OriginalPiece>{
                      kept("From: st"),
                      kept("eve@exam"),
                      kept("ple.org\r"),
                      kept("\nTo: san"),
                      kept("dra@exam"),
                      kept("ple.com\r"),
                      kept("\n"),
                      sent(AmPart::singleheaders, "Subject: Test\r\n folded\r\n", true),
                      kept("\r\n"),
                      sent(AmPart::body, "Hi, this", true),
                      sent(AmPart::body, " is a te", false),
                      sent(AmPart::body, "st!\r\n", false),
                  });
}

}  // namespace opes::processor::test
