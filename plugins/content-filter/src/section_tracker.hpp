#pragma once
// Where the header section of a streamed message ends (RFC 5322 §2.1: at
// the first empty line), found byte by byte so that a CRLF CRLF split over
// chunks is seen like any other. A bare LF is taken as a line end too: this
// only decides which patterns apply, and mail that is not CRLF clean should
// still be filtered.

#include <cstddef>
#include <string_view>

namespace content_filter {

class SectionTracker {
 public:
  /// Octets of `bytes` that still belong to the header section; all of it
  /// while the empty line has not been seen. The empty line itself counts
  /// as header.
  std::size_t header_octets(std::string_view bytes) noexcept {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (in_body_) return i;
      advance(bytes[i]);
    }
    return bytes.size();
  }

  bool in_body() const noexcept { return in_body_; }

 private:
  enum class State { LineStart, CrAtLineStart, InLine, CrInLine };

  void advance(char c) noexcept {
    switch (state_) {
      case State::LineStart:
        if (c == '\r')
          state_ = State::CrAtLineStart;
        else if (c == '\n')
          in_body_ = true;
        else
          state_ = State::InLine;
        break;
      case State::CrAtLineStart:
        if (c == '\n')
          in_body_ = true;
        else
          state_ = c == '\r' ? State::CrInLine : State::InLine;
        break;
      case State::InLine:
        if (c == '\r')
          state_ = State::CrInLine;
        else if (c == '\n')
          state_ = State::LineStart;
        break;
      case State::CrInLine:
        if (c == '\n')
          state_ = State::LineStart;
        else if (c != '\r')
          state_ = State::InLine;
        break;
    }
  }

  State state_ = State::LineStart;
  bool in_body_ = false;
};

}  // namespace content_filter
