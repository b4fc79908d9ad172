// The load generator's messages: exact size, CRLF-ended lines, the match
// text exactly where and when asked.

#include "opes/loadgen/transaction_input.hpp"

#include <doctest/doctest.h>

namespace opes::loadgen {

namespace {

bool lines_end_with_crlf(const std::string& message) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) return false;
    if (message[i] == '\r' && (i + 1 == message.size() || message[i + 1] != '\n')) return false;
  }
  return message.size() >= 2 && message.substr(message.size() - 2) == "\r\n";
}

}  // namespace

TEST_CASE("a message has exactly the asked size and only CRLF-ended lines") {
  for (std::size_t size : {120, 200, 201, 202, 203, 4096, 65537, 100000}) {
    CAPTURE(size);
    const std::string message = make_message(MessageShape{.size = size}, 3, 17);
    CHECK(message.size() == size);
    CHECK(lines_end_with_crlf(message));
    CHECK(message.find("\r\n\r\n") != std::string::npos);
  }
}

TEST_CASE("every k-th message carries the match text in its body and no other does") {
  const MessageShape shape{.size = 4096, .match_text = "forbidden words", .match_every = 7};
  std::size_t carrying = 0;
  for (std::size_t sequence = 0; sequence < 700; ++sequence) {
    const std::string message = make_message(shape, 0, sequence);
    const bool found = message.find("forbidden words") != std::string::npos;
    CHECK(found == carries_match(shape, sequence));
    if (found) {
      ++carrying;
      CHECK(message.find("forbidden words") > message.find("\r\n\r\n"));
    }
  }
  CHECK(carrying == 100);
}

}  // namespace opes::loadgen
