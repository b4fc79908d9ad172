#include "opes/smtp/dot_stuffer.hpp"

#include <doctest/doctest.h>

#include <string>

#include "opes/smtp/data_reader.hpp"

namespace opes::smtp::test {

TEST_CASE("RFC 5321 4.5.2: a dot starting a line is doubled and the data ends with a dot line") {
  CHECK(dot_stuff(".hidden\r\nmid.dle\r\n..\r\n") == "..hidden\r\nmid.dle\r\n...\r\n.\r\n");
  CHECK(dot_stuff(".\r\n") == "..\r\n.\r\n");
}

TEST_CASE("finish adds CRLF when the content does not end with one") {
  CHECK(dot_stuff("no newline") == "no newline\r\n.\r\n");
  CHECK(dot_stuff("") == ".\r\n");
  CHECK(dot_stuff("x\r") == "x\r\n.\r\n");
}

TEST_CASE("bare LF and bare CR are sent as CRLF") {
  CHECK(dot_stuff("a\n.b\rc\r\n") == "a\r\n..b\r\nc\r\n.\r\n");
}

TEST_CASE("every split of the content gives the same wire bytes") {
  const std::string content = ".a\r\n..\r\nb.\r\n\r\n.";
  const std::string expected = dot_stuff(content);
  CHECK(expected == "..a\r\n...\r\nb.\r\n\r\n..\r\n.\r\n");
  for (std::size_t cut1 = 0; cut1 <= content.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= content.size(); ++cut2) {
      DotStuffer stuffer;
      std::string wire;
      stuffer.encode(std::string_view(content).substr(0, cut1), wire);
      stuffer.encode(std::string_view(content).substr(cut1, cut2 - cut1), wire);
      stuffer.encode(std::string_view(content).substr(cut2), wire);
      stuffer.finish(wire);
      CHECK(wire == expected);
    }
  }
}

TEST_CASE("the data reader undoes what the stuffer does") {
  const std::string content = "From: a\r\n\r\n.\r\n..\r\n.x\r\nend\r\n";
  DataReader reader;
  std::string read_back;
  const std::string wire = dot_stuff(content);
  CHECK(reader.read(wire, read_back, SIZE_MAX) == wire.size());
  CHECK(reader.finished());
  CHECK(read_back == content);
}

TEST_CASE("the stuffer is ready for a new message after finish") {
  DotStuffer stuffer;
  std::string wire;
  stuffer.encode("one", wire);
  stuffer.finish(wire);
  stuffer.encode(".two\r\n", wire);
  stuffer.finish(wire);
  CHECK(wire == "one\r\n.\r\n..two\r\n.\r\n");
}

}  // namespace opes::smtp::test

namespace opes::smtp::test {

TEST_CASE("encoding a buffer at once gives what encoding it octet by octet gives") {
  std::uint32_t seed = 777;
  const auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  const std::string alphabet = "ab..\r\n\r\r\n\nxyz";
  for (int round = 0; round < 3000; ++round) {
    std::string content;
    const std::size_t length = next() % 200;
    for (std::size_t i = 0; i < length; ++i) content += alphabet[next() % alphabet.size()];
    DotStuffer whole;
    std::string whole_wire;
    whole.encode(content, whole_wire);
    whole.finish(whole_wire);
    DotStuffer octets;
    std::string octet_wire;
    for (char octet : content) octets.encode(std::string_view(&octet, 1), octet_wire);
    octets.finish(octet_wire);
    INFO("round " << round);
    CHECK(whole_wire == octet_wire);
  }
}

}  // namespace opes::smtp::test
