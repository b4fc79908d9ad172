#include "opes/smtp/reply_reader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace opes::smtp::test {

namespace {

/// Every reply the bytes hold; an error ends the list with "error: reason".
std::vector<std::string> read_replies(ReplyReader& reader, std::string_view bytes) {
  reader.receive(bytes);
  std::vector<std::string> out;
  for (;;) {
    auto next = reader.next();
    if (!next) {
      out.push_back("error: " + next.error().reason);
      break;
    }
    if (!*next) break;
    out.push_back((*next)->wire());
  }
  return out;
}

std::vector<std::string> read_replies(std::string_view bytes) {
  ReplyReader reader;
  return read_replies(reader, bytes);
}

using Replies = std::vector<std::string>;

}  // namespace

TEST_CASE("RFC 5321 4.2: one-line replies read one at a time") {
  CHECK(read_replies("220 mx.example.org ESMTP\r\n250 2.0.0 Ok\r\n") ==
        Replies{"220 mx.example.org ESMTP\r\n", "250 2.0.0 Ok\r\n"});
  CHECK(read_replies("250\r\n") == Replies{"250\r\n"});
  CHECK(read_replies("250 2.0.0 Ok") == Replies{});
}

TEST_CASE("RFC 5321 4.2.1: a multi-line reply becomes one reply") {
  ReplyReader reader;
  CHECK(read_replies(reader, "250-mx.example.org\r\n250-PIPELINING\r\n").empty());
  auto done = read_replies(reader, "250 SIZE 1000\r\n");
  REQUIRE(done.size() == 1);
  CHECK(done[0] == "250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
}

TEST_CASE("a reply fed one byte at a time reads the same") {
  const std::string wire = "250-a\r\n250-b\r\n250 c\r\n354 go\r\n";
  ReplyReader reader;
  Replies got;
  for (char c : wire) {
    for (auto& r : read_replies(reader, std::string_view(&c, 1))) got.push_back(r);
  }
  CHECK(got == Replies{"250-a\r\n250-b\r\n250 c\r\n", "354 go\r\n"});
  CHECK(reader.buffered() == 0);
}

TEST_CASE("RFC 6531: UTF-8 reply text is kept") {
  CHECK(read_replies("550 5.1.1 Benutzer unbekannt: j\xC3\xB6rg\r\n") ==
        Replies{"550 5.1.1 Benutzer unbekannt: j\xC3\xB6rg\r\n"});
}

TEST_CASE("malformed replies are errors that name the problem") {
  CHECK(read_replies("hello\r\n") ==
        Replies{"error: upstream sent a reply line without a 3-digit code"});
  CHECK(read_replies("25\r\n") ==
        Replies{"error: upstream sent a reply line without a 3-digit code"});
  CHECK(read_replies("650 x\r\n") ==
        Replies{"error: upstream sent a reply line without a 3-digit code"});
  CHECK(read_replies("250-a\r\n251 b\r\n") ==
        Replies{"error: upstream sent a multi-line reply whose codes differ"});
  CHECK(read_replies("250 ok\n") ==
        Replies{"error: upstream sent a reply line ended by a bare LF"});
  CHECK(read_replies("250x\r\n") ==
        Replies{"error: upstream sent a reply code followed by neither SP nor '-'"});
  CHECK(read_replies("250 a\rb\r\n") ==
        Replies{"error: upstream sent a control octet in a reply line"});
}

TEST_CASE("reply lines over 1000 octets and replies over 200 lines are refused") {
  CHECK(read_replies("250 " + std::string(995, 'x') + "\r\n").size() == 1);
  CHECK(read_replies("250 " + std::string(996, 'x') + "\r\n") ==
        Replies{"error: upstream sent a reply line longer than 1000 octets"});
  ReplyReader unfinished;
  CHECK(read_replies(unfinished, std::string(1000, '2')) ==
        Replies{"error: upstream sent a reply line longer than 1000 octets"});
  std::string many;
  for (int i = 0; i < 200; ++i) many += "250-x\r\n";
  CHECK(read_replies(many + "250 y\r\n") ==
        Replies{"error: upstream sent a reply of more than 200 lines"});
  std::string enough;
  for (int i = 0; i < 199; ++i) enough += "250-x\r\n";
  CHECK(read_replies(enough + "250 y\r\n").size() == 1);
}

TEST_CASE("after a malformed reply the error sticks") {
  ReplyReader reader;
  CHECK(read_replies(reader, "bad\r\n250 ok\r\n").size() == 1);
  CHECK(read_replies(reader, "250 ok\r\n") ==
        Replies{"error: upstream sent a reply line without a 3-digit code"});
  CHECK(reader.buffered() == 0);
}

}  // namespace opes::smtp::test
