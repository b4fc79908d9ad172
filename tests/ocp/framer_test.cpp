// The framer alone: where messages end, and what it refuses before a
// message is complete.

#include <doctest/doctest.h>

#include <string>

#include "ocp/framer.hpp"

namespace ocp {

namespace {

struct Scan {
  Framer::Status status;
  std::size_t size_or_offset;
  std::string reason;
};

Scan scan_all(std::string_view bytes, const Limits& limits = {}) {
  Framer framer(limits);
  const auto status = framer.scan(bytes.data(), bytes.size());
  return {status, status == Framer::Status::complete ? framer.message_size() : framer.error_offset(),
          framer.error_reason()};
}

Scan scan_octet_by_octet(std::string_view bytes) {
  Framer framer{Limits{}};
  for (std::size_t available = 1; available <= bytes.size(); ++available) {
    const auto status = framer.scan(bytes.data(), available);
    if (status == Framer::Status::complete) return {status, framer.message_size(), {}};
    if (status == Framer::Status::error) return {status, framer.error_offset(), framer.error_reason()};
  }
  return {Framer::Status::need_more, 0, {}};
}

}  // namespace

TEST_CASE("the framer ends a message at the terminator outside data, whatever the data holds") {
  const std::string message = "DUM 1 0\r\nX: \"7:a;\r\n;\r\n\"\r\n\r\n9:;\r\n;\r\n\"}{\r\n;\r\nTRAILING";
  const Scan whole = scan_all(message);
  CHECK(whole.status == Framer::Status::complete);
  CHECK(whole.size_or_offset == message.size() - 8);
  const Scan pieces = scan_octet_by_octet(message);
  CHECK(pieces.status == Framer::Status::complete);
  CHECK(pieces.size_or_offset == whole.size_or_offset);
}

TEST_CASE("the framer asks for more until the terminator, and knows a payload's full size early") {
  Framer framer{Limits{}};
  const std::string head = "DUM 1 0\r\n1000:";
  CHECK(framer.scan(head.data(), head.size()) == Framer::Status::need_more);
  CHECK(framer.has_payload());
  CHECK(framer.size_hint() == head.size() + 1000 + 5);
}

TEST_CASE("the framer refuses what no message can contain, at the offending octet") {
  struct Case {
    const char* bytes;
    std::size_t offset;
    const char* reason;
  };
  const Case cases[] = {
      {"1TS;\r\n", 0, "message name expected, found '1'"},
      {"TS 1\t2;\r\n", 4, "octet 0x09 is not allowed outside quoted data"},
      {"TS 1\n", 4, "LF without CR"},
      {"TS 1\rX", 5, "LF expected after CR"},
      {"TS )", 3, "')' without a matching opening bracket"},
      {"X (a;", 4, "';' inside a structure or list"},
      {"TS;X", 3, "CRLF expected after ';'"},
      {"X \"01:a\"", 4, "size has a leading zero"},
      {"X \"2147483648:", 12, "size exceeds 2147483647"},
      {"X \":", 3, "size expected, found ':'"},
      {"X \"1a", 4, "':' expected after size, found 'a'"},
      {"X \"1:ab", 6, "closing quote expected after quoted data"},
      {"X\r\n\r\n", 3, "named parameter or payload expected, found octet 0x0D"},
      {"X\r\nA: 1\r\n5:hello", 9, "empty line expected between named parameters and payload"},
      {"X\r\nA: 1\r\n\r\nB", 11, "payload expected after the empty line"},
      {"X\r\n2:ab\r\n;X", 10, "';' CRLF expected after payload"},
      {"X\r\n2:abc", 7, "CRLF expected after payload"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.bytes);
    const Scan scan = scan_all(c.bytes);
    CHECK(scan.status == Framer::Status::error);
    CHECK(scan.size_or_offset == c.offset);
    CHECK(scan.reason == c.reason);
    const Scan pieces = scan_octet_by_octet(c.bytes);
    CHECK(pieces.status == Framer::Status::error);
    CHECK(pieces.size_or_offset == c.offset);
  }
}

TEST_CASE("the framer enforces every limit before the data arrives") {
  Limits limits;
  limits.max_message_size = 64;
  limits.max_payload_size = 16;
  limits.max_value_length = 8;
  limits.max_depth = 2;
  limits.max_values = 4;
  CHECK(scan_all("X\r\n17:", limits).reason == "payload of 17 octets exceeds the limit of 16");
  CHECK(scan_all("X\r\n16:", limits).status == Framer::Status::need_more);
  CHECK(scan_all("X \"9:", limits).reason == "quoted value of 9 octets exceeds the limit of 8");
  CHECK(scan_all("X abcdefghi", limits).reason == "bare value exceeds the limit of 8 octets");
  CHECK(scan_all("X (((", limits).reason == "values nested deeper than 2");
  CHECK(scan_all("X a b c d e", limits).reason == "too many values in one message");
  const std::string long_message = "X " + std::string(70, ' ');
  const Scan too_long = scan_all(long_message, limits);
  CHECK(too_long.reason == "message exceeds the limit of 64 octets");
  CHECK(too_long.size_or_offset == 64);
  limits.max_payload_size = 100;
  CHECK(scan_all("X\r\n60:", limits).reason == "message exceeds the limit of 64 octets");
}

TEST_CASE("the framer restarts cleanly after reset") {
  Framer framer{Limits{}};
  const std::string first = "PQ;\r\n";
  REQUIRE(framer.scan(first.data(), first.size()) == Framer::Status::complete);
  framer.reset();
  CHECK(framer.at_message_start());
  const std::string second = "TS 1 2;\r\n";
  REQUIRE(framer.scan(second.data(), second.size()) == Framer::Status::complete);
  CHECK(framer.message_size() == second.size());
}

}  // namespace ocp
