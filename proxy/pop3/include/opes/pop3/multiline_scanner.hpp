#pragma once
// Finds the end of a multi-line response (RFC 1939 §3: the terminating line
// is a single "." followed by CRLF; a data line beginning with "." is
// byte-stuffed and so never looks like it) in a stream of chunks, without
// keeping the data: a RETR passes through in pieces of any size.

#include <cstddef>
#include <optional>
#include <string_view>

namespace opes::pop3 {

class MultilineScanner {
 public:
  /// How many octets of `bytes` belong to the response, the terminating
  /// ".\r\n" included, when it ends in them; nullopt: all of them belong
  /// to it and it goes on. Starts at the first octet after the status line.
  std::optional<std::size_t> scan(std::string_view bytes);
  void reset() { state_ = State::line_start; }

 private:
  enum class State { line_start, dot, dot_cr, in_line };
  State state_ = State::line_start;
};

}  // namespace opes::pop3
