#include "opes/pop3/multiline_scanner.hpp"

namespace opes::pop3 {

std::optional<std::size_t> MultilineScanner::scan(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    switch (state_) {
      case State::line_start:
        state_ = c == '.' ? State::dot : (c == '\n' ? State::line_start : State::in_line);
        break;
      case State::dot:
        // ".." is a stuffed data line; "." CR LF the end.
        state_ = c == '\r' ? State::dot_cr : (c == '\n' ? State::line_start : State::in_line);
        break;
      case State::dot_cr:
        if (c == '\n') {
          state_ = State::line_start;
          return i + 1;
        }
        state_ = State::in_line;
        break;
      case State::in_line:
        if (c == '\n') state_ = State::line_start;
        break;
    }
  }
  return std::nullopt;
}

}  // namespace opes::pop3
