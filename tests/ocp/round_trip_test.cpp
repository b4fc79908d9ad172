// Properties over generated messages: parse(serialize(m)) == m, serialising
// what was parsed reproduces the bytes, and chunking never changes the result.

#include <doctest/doctest.h>

#include <random>

#include "ocp/catalog.hpp"
#include "ocp/serializer.hpp"
#include "support/parsing.hpp"
#include "support/random_message.hpp"

namespace ocp::test {

TEST_CASE("parse(serialize(m)) == m and serialize(parse(x)) == x for generated messages") {
  std::mt19937 random(20261123);
  for (int round = 0; round < 2000; ++round) {
    const Message message = random_message(random);
    const std::string bytes = serialize(message);
    CAPTURE(bytes);
    auto parsed = parse_message(bytes);
    REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().describe()));
    CHECK(*parsed == message);
    CHECK(serialize(*parsed) == bytes);
  }
}

TEST_CASE("a stream of generated messages parses the same in chunks of any size") {
  std::mt19937 random(4037);
  for (int round = 0; round < 50; ++round) {
    std::vector<Message> messages;
    std::string stream;
    for (int i = 0; i < 20; ++i) {
      messages.push_back(random_message(random));
      serialize(messages.back(), stream);
    }
    const std::size_t chunk = 1 + std::uniform_int_distribution<std::size_t>(0, 97)(random);
    CAPTURE(chunk);
    const Parsed parsed = parse_stream(stream, chunk);
    REQUIRE_FALSE(parsed.error);
    CHECK(parsed.messages == messages);
  }
}

TEST_CASE("decode(encode(m)) == m for typed messages built from generated parts") {
  std::mt19937 random(2005);
  std::uniform_int_distribution<std::uint32_t> number(0, kMaxUni);
  for (int round = 0; round < 500; ++round) {
    DataUseMine dum;
    dum.xid = Xid{number(random)};
    dum.my_offset = number(random);
    if (round % 2) dum.kept = Kept{number(random), number(random)};
    if (round % 3) dum.modp = Percent{static_cast<std::uint8_t>(round % 101)};
    const Message generated = random_message(random);
    dum.payload = generated.payload.value_or(SharedBytes::copy_of(""));
    for (const NamedValue& parameter : generated.named) {
      if (parameter.name != "Kept" && parameter.name != "Modp" && parameter.name != "As-is") {
        dum.extensions.named.push_back(parameter);
      }
    }
    const std::string bytes = serialize(encode(dum));
    CAPTURE(bytes);
    auto parsed = parse_message(bytes);
    REQUIRE(parsed);
    auto decoded = decode(*parsed);
    REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().describe()));
    CHECK(std::get<DataUseMine>(*decoded) == dum);
  }
}

}  // namespace ocp::test
