#include <doctest/doctest.h>

#include <string>

#include "opes/pop3/multiline_scanner.hpp"

using namespace opes::pop3;

TEST_CASE("the terminating dot line ends the response and what follows is not part of it") {
  MultilineScanner scanner;
  const std::string data = "line 1\r\n..stuffed\r\n.\r\n+OK next\r\n";
  const auto end = scanner.scan(data);
  REQUIRE(end);
  CHECK(data.substr(0, *end) == "line 1\r\n..stuffed\r\n.\r\n");
}

TEST_CASE("an empty multi-line body ends at once") {
  MultilineScanner scanner;
  CHECK(scanner.scan(".\r\n") == std::optional<std::size_t>(3));
}

TEST_CASE("the terminator is found when split across every chunk boundary") {
  const std::string data = "a\r\n.b\r\n..\r\n.\r\n";
  for (std::size_t split = 0; split <= data.size(); ++split) {
    MultilineScanner scanner;
    const auto first = scanner.scan(std::string_view(data).substr(0, split));
    if (first) {
      CHECK(*first == data.size());
      CHECK(split == data.size());
      continue;
    }
    const auto second = scanner.scan(std::string_view(data).substr(split));
    REQUIRE(second);
    CHECK(split + *second == data.size());
  }
}

TEST_CASE("a dot inside a line or a stuffed dot line does not end the response") {
  MultilineScanner scanner;
  CHECK_FALSE(scanner.scan("x.\r\n..\r\n. \r\n.x\r\n"));
  CHECK(scanner.scan(".\r\n"));
}
