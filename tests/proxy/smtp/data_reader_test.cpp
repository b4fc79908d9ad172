#include "opes/smtp/data_reader.hpp"

#include <doctest/doctest.h>

#include <string>

namespace opes::smtp::test {

namespace {

struct Read {
  std::string content;
  std::size_t used = 0;
  bool finished = false;
  DataViolation violation = DataViolation::none;
};

Read read_all(std::string_view wire, DataLimits limits = {}) {
  DataReader reader(limits);
  Read result;
  result.used = reader.read(wire, result.content, SIZE_MAX);
  result.finished = reader.finished();
  result.violation = reader.violation();
  return result;
}

}  // namespace

TEST_CASE("RFC 5321 4.1.1.4: the data ends at CRLF dot CRLF and the dot line is left out") {
  const std::string wire = "Subject: t\r\n\r\nHi\r\n.\r\nQUIT\r\n";
  const Read read = read_all(wire);
  CHECK(read.finished);
  CHECK(read.content == "Subject: t\r\n\r\nHi\r\n");
  CHECK(read.used == wire.size() - 6);  // QUIT is not data
}

TEST_CASE("RFC 5321 4.1.1.4: a lone dot line right after 354 is an empty message") {
  const Read read = read_all(".\r\n");
  CHECK(read.finished);
  CHECK(read.content.empty());
  CHECK(read.used == 3);
}

TEST_CASE("RFC 5321 4.5.2: a leading dot is removed from every line that has one") {
  const Read read = read_all("..\r\n...x\r\n.y\r\na.b\r\n.\r\n");
  CHECK(read.finished);
  CHECK(read.content == ".\r\n..x\r\ny\r\na.b\r\n");
}

TEST_CASE("only CRLF dot CRLF ends the data, never a dot after a bare LF or CR") {
  for (std::string_view wire : {"a\n.\nb\r\n.\r\n", "a\r.\rb\r\n.\r\n", "a\n.\r\nb\r\n.\r\n"}) {
    const Read read = read_all(wire);
    CHECK(read.finished);
    CHECK(read.used == wire.size());
    CHECK(read.violation != DataViolation::none);
  }
  CHECK(read_all(".\r").finished == false);
  CHECK(read_all(".x\r\n").finished == false);
}

TEST_CASE("bare LF and bare CR are violations and nothing after them is content") {
  const Read lf = read_all("ok\r\nbad\nline\r\n.\r\n");
  CHECK(lf.violation == DataViolation::bare_lf);
  CHECK(lf.content == "ok\r\nbad");
  const Read cr = read_all("ok\r\nbad\rline\r\n.\r\n");
  CHECK(cr.violation == DataViolation::bare_cr);
  CHECK(cr.content == "ok\r\nbad");
  DataReader reader;
  std::string content;
  (void)reader.read("x\ny\r\n.\r\n", content, SIZE_MAX);
  CHECK(reader.refusal()->wire() == "550 5.6.0 Bare LF in message data is not allowed\r\n");
}

TEST_CASE("RFC 5321 4.5.3.1.6: a line of 1000 octets with CRLF passes and 1001 is refused") {
  const std::string line998(998, 'x');
  CHECK(read_all(line998 + "\r\n.\r\n").violation == DataViolation::none);
  // "not counting the leading dot duplicated for transparency"
  CHECK(read_all("." + line998 + "\r\n.\r\n").violation == DataViolation::none);
  CHECK(read_all(".." + line998 + "\r\n.\r\n").violation == DataViolation::line_too_long);
  DataReader reader;
  std::string content;
  (void)reader.read(line998 + "y\r\n.\r\n", content, SIZE_MAX);
  CHECK(reader.finished());
  // A reply for message data (RFC 5321 §4.3.2), not 500, which counts as a bad command.
  CHECK(reader.refusal()->wire() ==
        "550 5.6.0 Line too long in message data (limit 1000 octets)\r\n");
  CHECK(reader.message_size() == 1001);
  CHECK(read_all(std::string(5000, 'x') + "\r\n.\r\n", DataLimits{0, 0}).violation ==
        DataViolation::none);
}

TEST_CASE("RFC 1870 6.1: the size limit counts unstuffed content") {
  CHECK(read_all("..\r\n.\r\n", DataLimits{1000, 3}).violation == DataViolation::none);
  DataReader reader(DataLimits{1000, 4});
  std::string content;
  (void)reader.read("abcd\r\nmore\r\n.\r\n", content, SIZE_MAX);
  CHECK(reader.finished());
  CHECK(content == "abcd");
  CHECK(reader.content_size() == 4);
  CHECK(reader.message_size() == 12);  // the whole message, for the log
  CHECK(reader.refusal()->wire() ==
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  CHECK(reader.refusal(false)->wire() == "552 Message size exceeds fixed maximum message size\r\n");
}

TEST_CASE("reading stops once the room is filled and goes on where it stopped") {
  DataReader reader;
  std::string content;
  const std::string wire = "abcdef\r\n.\r\n";
  const std::size_t used = reader.read(wire, content, 3);
  CHECK(used == 3);
  CHECK(content == "abc");
  content.clear();
  CHECK(reader.read(std::string_view(wire).substr(used), content, 100) == wire.size() - used);
  CHECK(content == "def\r\n");
  CHECK(reader.finished());
}

TEST_CASE("every split of the input gives the same content") {
  const std::string wire = "a\r\n..b\r\n.c\r\n\r\n.\r\n";
  const Read whole = read_all(wire);
  for (std::size_t cut1 = 0; cut1 <= wire.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= wire.size(); ++cut2) {
      DataReader reader;
      std::string content;
      std::size_t used = reader.read(std::string_view(wire).substr(0, cut1), content, SIZE_MAX);
      used += reader.read(std::string_view(wire).substr(cut1, cut2 - cut1), content, SIZE_MAX);
      used += reader.read(std::string_view(wire).substr(cut2), content, SIZE_MAX);
      CHECK(content == whole.content);
      CHECK(used == wire.size());
      CHECK(reader.finished());
    }
  }
}

}  // namespace opes::smtp::test

namespace opes::smtp::test {

TEST_CASE("reading whole buffers gives what reading octet by octet gives, limits included") {
  // The reader copies runs of ordinary octets at once; fed one octet at a
  // time it takes the octet-wise path. Both must agree on the content, the
  // octets used, the end and the exact violation, for inputs that hit every
  // limit and every CR/LF case.
  std::uint32_t seed = 12345;
  const auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  const std::string alphabet("ab.\r\n\r\nxyz..\0", 13);
  for (int round = 0; round < 3000; ++round) {
    std::string wire;
    const std::size_t length = next() % 300;
    for (std::size_t i = 0; i < length; ++i) {
      // Mostly well-formed lines of varying length, sometimes raw noise.
      if (next() % 8 == 0) {
        wire += alphabet[next() % alphabet.size()];
      } else {
        wire += std::string(next() % 40, static_cast<char>('a' + next() % 26)) + "\r\n";
      }
    }
    if (next() % 2) wire += ".\r\n";
    const DataLimits limits{next() % 2 ? std::size_t{0} : std::size_t{10 + next() % 40},
                            next() % 2 ? std::uint64_t{0} : std::uint64_t{next() % 400},
                            next() % 2 ? BareLineEndings::normalize : BareLineEndings::reject};
    const std::size_t room = next() % 3 ? SIZE_MAX : 1 + next() % 64;

    DataReader whole(limits);
    std::string whole_content;
    std::size_t whole_used = 0;
    while (whole_used < wire.size() && !whole.finished()) {
      const std::size_t before = whole_content.size();
      const std::size_t used = whole.read(std::string_view(wire).substr(whole_used), whole_content, room);
      whole_used += used;
      // A normalized line end may fill the room before its next octet is used.
      if (used == 0 && whole_content.size() == before) break;
      if (room != SIZE_MAX) whole_content.clear();
    }

    DataReader octets(limits);
    std::string octet_content;
    std::size_t octet_used = 0;
    while (octet_used < wire.size() && !octets.finished()) {
      octet_used += octets.read(std::string_view(wire).substr(octet_used, 1), octet_content, room);
      if (room != SIZE_MAX && octet_content.size() >= room) octet_content.clear();
    }
    INFO("round " << round);
    CHECK(whole.finished() == octets.finished());
    CHECK(whole.violation() == octets.violation());
    CHECK(whole.content_size() == octets.content_size());
    CHECK(whole.message_size() == octets.message_size());
    CHECK(whole_used == octet_used);
    if (room == SIZE_MAX) CHECK(whole_content == octet_content);
  }
}

}  // namespace opes::smtp::test
