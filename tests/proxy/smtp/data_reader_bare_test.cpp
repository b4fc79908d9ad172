// DataReader with bare CR, bare LF and NUL: refused by default, made CRLF
// in normalize mode; in both the data ends at the first CR LF . CR LF of the
// wire and nowhere else (SMTP smuggling).
#include "opes/smtp/data_reader.hpp"

#include <doctest/doctest.h>

#include <string>

#include "opes/smtp/dot_stuffer.hpp"

namespace opes::smtp::test {

namespace {

constexpr DataLimits kNormalize{1000, 0, BareLineEndings::normalize};

struct Result {
  std::string content;
  std::size_t used = 0;
  bool finished = false;
  DataViolation violation = DataViolation::none;
  std::uint64_t size = 0;
};

Result read(std::string_view wire, DataLimits limits) {
  DataReader reader(limits);
  Result result;
  result.used = reader.read(wire, result.content, SIZE_MAX);
  result.finished = reader.finished();
  result.violation = reader.violation();
  result.size = reader.message_size();
  return result;
}

/// Where a strict reader ends the data: after the first CR LF . CR LF, or
/// after a "." CR LF that opens the data; 0 when neither is there.
std::size_t strict_end(std::string_view wire) {
  if (wire.starts_with(".\r\n")) return 3;
  const std::size_t at = wire.find("\r\n.\r\n");
  return at == std::string_view::npos ? 0 : at + 5;
}

/// Every CR is followed by LF and every LF preceded by CR.
bool only_crlf(std::string_view content) {
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\r' && (i + 1 == content.size() || content[i + 1] != '\n')) return false;
    if (content[i] == '\n' && (i == 0 || content[i - 1] != '\r')) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("normalize: a bare LF or bare CR ends the line as CRLF") {
  const Result lf = read("one\ntwo\r\n.\r\n", kNormalize);
  CHECK(lf.finished);
  CHECK(lf.violation == DataViolation::none);
  CHECK(lf.content == "one\r\ntwo\r\n");
  CHECK(lf.size == 10);
  const Result cr = read("one\rtwo\r\n.\r\n", kNormalize);
  CHECK(cr.content == "one\r\ntwo\r\n");
  const Result mixed = read("a\r\r\nb\n\nc\r\r\n.\r\n", kNormalize);
  CHECK(mixed.violation == DataViolation::none);
  CHECK(mixed.content == "a\r\n\r\nb\r\n\r\nc\r\n\r\n");
  CHECK(mixed.finished);
}

TEST_CASE("normalize: a dot line next to a bare line end is content, never the end") {
  // Each is a malformed end of data a lenient MTA might take; here the
  // message goes on, the dot is removed as stuffing (RFC 5321 §4.5.2) and
  // only the final CRLF . CRLF ends it.
  for (std::string_view marker : {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r.\n", "\n.\r",
                                  "\r.\r\n"}) {
    const std::string wire = "a" + std::string(marker) + "MAIL FROM:<x@evil.example>\r\n.\r\n";
    INFO(wire);
    const Result r = read(wire, kNormalize);
    CHECK(r.finished);
    CHECK(r.used == wire.size());
    CHECK(r.violation == DataViolation::none);
    CHECK(only_crlf(r.content));
    CHECK(r.content.find("MAIL FROM:<x@evil.example>\r\n") != std::string::npos);
    CHECK(r.content.find('.') == r.content.find(".example"));  // no dot line left
  }
  CHECK(read("a\n.\r\n", kNormalize).finished == false);
  CHECK(read(".\n", kNormalize).finished == false);
}

TEST_CASE("reject: every malformed end marker refuses the message, which still ends at CRLF . CRLF") {
  for (std::string_view marker : {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r.\n", "\n.\r",
                                  "\r.\r\n"}) {
    const std::string wire = "a" + std::string(marker) + "MAIL FROM:<x@evil.example>\r\n.\r\n";
    INFO(wire);
    const Result r = read(wire, DataLimits{});
    CHECK(r.finished);
    CHECK(r.used == wire.size());
    CHECK((r.violation == DataViolation::bare_lf || r.violation == DataViolation::bare_cr));
    CHECK(r.content == (marker.starts_with("\r\n") ? "a\r\n" : "a"));
  }
}

TEST_CASE("RFC 2045 2.7, 2.8: a NUL refuses the message in both modes") {
  using namespace std::string_literals;
  for (const DataLimits limits : {DataLimits{}, kNormalize}) {
    const std::string wire = "a\r\n\0.\r\nb\r\n.\0\r\n.\r\n"s;
    const Result r = read(wire, limits);
    CHECK(r.finished);
    CHECK(r.used == wire.size());
    CHECK(r.violation == DataViolation::nul);
    CHECK(r.content == "a\r\n");
  }
  DataReader reader;
  std::string content;
  (void)reader.read(std::string("x\0y\r\n.\r\n", 8), content, SIZE_MAX);
  CHECK(reader.refusal()->wire() == "550 5.6.0 NUL in message data is not allowed\r\n");
}

TEST_CASE("normalize: a normalized line end counts as CRLF towards the line limit") {
  const std::string line998(998, 'x');
  CHECK(read(line998 + "\n.\r\n", kNormalize).finished == false);
  CHECK(read(line998 + "\n\r\n.\r\n", kNormalize).violation == DataViolation::none);
  const DataLimits normalize_999{999, 0, BareLineEndings::normalize};
  CHECK(read(line998 + "\n\r\n.\r\n", normalize_999).violation == DataViolation::line_too_long);
  CHECK(read(line998 + "\r\r\n.\r\n", normalize_999).violation == DataViolation::line_too_long);
}

TEST_CASE("normalize: reading stops at the room plus one CRLF octet at most") {
  DataReader reader(kNormalize);
  std::string content;
  const std::string wire = "ab\rcd\r\n.\r\n";
  std::size_t used = reader.read(wire, content, 3);
  CHECK(content == "ab\r\n");  // room 3, passed by one
  content.clear();
  used += reader.read(std::string_view(wire).substr(used), content, 100);
  CHECK(content == "cd\r\n");
  CHECK(used == wire.size());
  CHECK(reader.finished());
}

TEST_CASE("in both modes the data ends exactly at the first CRLF . CRLF, whatever precedes it") {
  // The property that makes smuggling impossible: the reader's end is a
  // plain function of the octets, the same in both modes, and in normalize
  // mode what it hands on, stuffed again, has no other end.
  std::uint32_t seed = 987654;
  const auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  const std::string alphabet("..\r\n\r\n.ab\n\r", 11);
  for (int round = 0; round < 5000; ++round) {
    std::string wire;
    const std::size_t length = next() % 40;
    for (std::size_t i = 0; i < length; ++i) wire += alphabet[next() % alphabet.size()];
    if (next() % 2) wire += "\r\n.\r\n";
    const std::size_t expected = strict_end(wire);
    for (const DataLimits limits : {DataLimits{0, 0}, DataLimits{0, 0, BareLineEndings::normalize}}) {
      INFO("round " << round);
      const Result r = read(wire, limits);
      CHECK(r.finished == (expected != 0));
      CHECK(r.used == (expected != 0 ? expected : wire.size()));
      if (limits.bare_line_endings == BareLineEndings::normalize) {
        REQUIRE(r.violation == DataViolation::none);
        CHECK(only_crlf(r.content));
        const std::string again = dot_stuff(r.content);
        CHECK(strict_end(again) == again.size());
      }
    }
  }
}

}  // namespace opes::smtp::test
