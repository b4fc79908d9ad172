// The stream parser: chunking, zero-copy payloads, sticky errors, end of stream.

#include <doctest/doctest.h>

#include <cstring>

#include "ocp/serializer.hpp"
#include "ocp/stream_parser.hpp"
#include "support/parsing.hpp"

namespace ocp {

TEST_CASE("one feed yields every complete message in it and keeps the rest") {
  StreamParser parser;
  auto batch = parser.feed("PQ;\r\nTS 1 2;\r\nTE 1");
  CHECK_FALSE(batch.error);
  REQUIRE(batch.messages.size() == 2);
  CHECK(batch.messages[0].name == "PQ");
  CHECK(batch.messages[1].name == "TS");
  CHECK(parser.consumed() == 14);
  CHECK(parser.buffered() == 4);
  batch = parser.feed(";\r\n");
  REQUIRE(batch.messages.size() == 1);
  CHECK(batch.messages[0].name == "TE");
  CHECK(parser.consumed() == 21);
  CHECK_FALSE(parser.finish());
}

TEST_CASE("a parsed payload refers to the octets the socket wrote, not a copy") {
  StreamParser parser;
  const std::string wire = "DUM 1 0\r\n11:hello world\r\n;\r\n";
  std::span<char> space = parser.prepare(wire.size());
  std::memcpy(space.data(), wire.data(), wire.size());
  parser.commit(wire.size());
  auto step = parser.next();
  REQUIRE(step);
  REQUIRE(*step);
  const Message& message = **step;
  REQUIRE(message.payload);
  CHECK(message.payload->view() == "hello world");
  CHECK(message.payload->data() == space.data() + 12);
}

TEST_CASE("a payload stays valid after the parser has moved on and reused its buffer") {
  StreamParser parser;
  auto first = parser.feed("DUM 1 0\r\n5:first\r\n;\r\n");
  REQUIRE(first.messages.size() == 1);
  const SharedBytes kept = *first.messages[0].payload;
  first.messages.clear();
  for (int i = 0; i < 100; ++i) {
    auto more = parser.feed("DUM 1 5\r\n5:other\r\n;\r\n" + std::string(1000, ' ').substr(0, 0));
    REQUIRE(more.messages.size() == 1);
  }
  std::string big = "DUM 1 10\r\n100000:" + std::string(100000, 'x') + "\r\n;\r\n";
  CHECK(parser.feed(big).messages.size() == 1);
  CHECK(kept.view() == "first");
}

TEST_CASE("a large payload arriving in small reads ends up in one contiguous block") {
  const std::string payload(300000, 'p');
  const std::string wire = "DUM 1 0\r\n300000:" + payload + "\r\n;\r\n";
  const test::Parsed parsed = test::parse_stream(wire, 4096);
  REQUIRE_FALSE(parsed.error);
  REQUIRE(parsed.messages.size() == 1);
  CHECK(parsed.messages[0].payload->view() == payload);
}

TEST_CASE("an error sticks, and names the offset within the whole stream") {
  StreamParser parser;
  auto batch = parser.feed("PQ;\r\nPQ;\r\nTS 1  2;\r\nPQ;\r\n");
  CHECK(batch.messages.size() == 2);
  REQUIRE(batch.error);
  CHECK(batch.error->offset == 15);
  CHECK(batch.error->describe() == "offset 15: value expected");
  auto again = parser.next();
  REQUIRE_FALSE(again);
  CHECK(again.error().offset == 15);
  CHECK(parser.feed("PQ;\r\n").messages.empty());
}

TEST_CASE("a stream that ends inside a message is an error at its end") {
  StreamParser parser;
  CHECK(parser.feed("PQ;\r\nDUM 1 0\r\n10:abc").messages.size() == 1);
  const auto error = parser.finish();
  REQUIRE(error);
  CHECK(error->offset == 20);
  CHECK(error->reason == "stream ended inside the message that started at offset 5");
}

TEST_CASE("a huge size prefix is refused before any of it is buffered") {
  StreamParser parser;
  auto batch = parser.feed("DUM 1 0\r\n2000000000:");
  REQUIRE(batch.error);
  CHECK(batch.error->reason == "payload of 2000000000 octets exceeds the limit of 16777216");
  CHECK(parser.buffered() < 64);
}

TEST_CASE("parse_message takes exactly one message") {
  CHECK(parse_message("PQ;\r\n"));
  auto two = parse_message("PQ;\r\nPQ;\r\n");
  REQUIRE_FALSE(two);
  CHECK(two.error().offset == 5);
  auto partial = parse_message("PQ;");
  REQUIRE_FALSE(partial);
  CHECK(partial.error().reason == "message is incomplete");
}

TEST_CASE("parse_message keeps a payload alive after its input is gone") {
  std::optional<Message> message;
  {
    std::string wire = "DUM 1 0\r\n3:abc\r\n;\r\n";
    auto parsed = parse_message(wire);
    REQUIRE(parsed);
    message = std::move(*parsed);
    wire.assign(wire.size(), 'z');
  }
  CHECK(message->payload->view() == "abc");
}

}  // namespace ocp
