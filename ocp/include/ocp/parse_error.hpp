#pragma once

#include <cstdint>
#include <string>

namespace ocp {

/// A stream that cannot be read further: syntax is broken or a limit was
/// passed. RFC 4037 §3.1 framing cannot resynchronise after this (a size
/// prefix may have been misread), so the connection must end (CE 400).
struct ParseError {
  std::uint64_t offset = 0;  // of the offending octet, from the start of the stream
  std::string reason;

  /// "offset N: reason"
  std::string describe() const;
};

}  // namespace ocp
