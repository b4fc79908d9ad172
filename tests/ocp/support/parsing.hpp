#pragma once
// Helpers that drive a StreamParser over a whole stream.

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "ocp/stream_parser.hpp"

namespace ocp::test {

struct Parsed {
  std::vector<Message> messages;
  std::optional<ParseError> error;  // from next() or from finish()
};

/// Feeds `stream` in chunks of `chunk` octets (the last may be shorter).
inline Parsed parse_stream(std::string_view stream, std::size_t chunk = SIZE_MAX,
                           const ParseOptions& options = {}) {
  StreamParser parser(options);
  Parsed parsed;
  for (std::size_t at = 0; at < stream.size() && !parsed.error;) {
    const std::size_t step = std::min(chunk, stream.size() - at);
    auto batch = parser.feed(stream.substr(at, step));
    at += step;
    for (auto& message : batch.messages) parsed.messages.push_back(std::move(message));
    parsed.error = batch.error;
  }
  if (!parsed.error) parsed.error = parser.finish();
  return parsed;
}

}  // namespace ocp::test
