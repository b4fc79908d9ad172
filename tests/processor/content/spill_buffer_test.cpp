#include "opes/processor/spill_buffer.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace opes::processor::test {

namespace {

std::string read_all(SpillBuffer& buffer, std::size_t step) {
  std::string out;
  for (;;) {
    auto chunk = buffer.read(step);
    REQUIRE(chunk);
    if (chunk->empty()) return out;
    out += *chunk;
  }
}

}  // namespace

TEST_CASE("octets within the memory limit stay in memory") {
  SpillBuffer buffer(std::filesystem::temp_directory_path(), 16);
  REQUIRE(buffer.append("0123456789"));
  REQUIRE(buffer.append("abcdef"));
  CHECK(buffer.size() == 16);
  CHECK(buffer.spilled() == 0);
  CHECK(read_all(buffer, 5) == "0123456789abcdef");
  CHECK(buffer.empty());
}

TEST_CASE("octets over the memory limit go to the file and come back in order") {
  SpillBuffer buffer(std::filesystem::temp_directory_path(), 8);
  REQUIRE(buffer.append("01234567"));
  REQUIRE(buffer.append("89"));
  REQUIRE(buffer.append("ab"));
  CHECK(buffer.spilled() == 4);
  CHECK(buffer.size() == 12);
  auto first = buffer.read(3);
  REQUIRE(first);
  CHECK(*first == "012");
  // While the file holds octets, new ones follow them there.
  REQUIRE(buffer.append("c"));
  CHECK(buffer.spilled() == 5);
  CHECK(read_all(buffer, 4) == "3456789abc");
  // Drained: memory is used again.
  REQUIRE(buffer.append("xyz"));
  CHECK(buffer.spilled() == 5);
  CHECK(read_all(buffer, 100) == "xyz");
}

TEST_CASE("a large spill reads back byte for byte") {
  SpillBuffer buffer({}, 1000);
  std::string written;
  for (int i = 0; i < 3000; ++i) {
    const std::string line = "line " + std::to_string(i) + "\r\n";
    REQUIRE(buffer.append(line));
    written += line;
  }
  CHECK(buffer.spilled() > 0);
  CHECK(read_all(buffer, 4096) == written);
}

TEST_CASE("a spill directory that does not exist is an error value") {
  SpillBuffer buffer("/nonexistent/opes-spill", 4);
  REQUIRE(buffer.append("1234"));
  auto failed = buffer.append("5");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().reason.starts_with("spill file in /nonexistent/opes-spill: "));
}

TEST_CASE("a moved spill buffer keeps its octets and its file") {
  SpillBuffer buffer(std::filesystem::temp_directory_path(), 2);
  REQUIRE(buffer.append("abcd"));
  SpillBuffer moved(std::move(buffer));
  CHECK(moved.size() == 4);
  CHECK(read_all(moved, 3) == "abcd");
}

}  // namespace opes::processor::test
