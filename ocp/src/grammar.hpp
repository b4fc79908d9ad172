#pragma once
// The RFC 4037 §3.1 grammar, written with Boost.Spirit X3 in grammar.cpp so
// the heavy templates compile once. Internal: callers go through
// StreamParser or parse_message, which frame the bytes first and thereby
// bound the input the grammar sees (length, nesting depth, value count).

#include <memory>
#include <string_view>

#include "ocp/expected.hpp"
#include "ocp/limits.hpp"
#include "ocp/message.hpp"
#include "ocp/parse_error.hpp"

namespace ocp::detail {

/// Parses one framed message. `owner` keeps `bytes` alive; the payload of the
/// result shares it. Error offsets are relative to the start of `bytes`.
Expected<Message, ParseError> parse_framed(std::string_view bytes,
                                           const std::shared_ptr<const void>& owner,
                                           const ParseOptions& options);

}  // namespace ocp::detail
