#pragma once
// Canonical RFC 4037 §3.1 encoding: no optional whitespace, atoms bare when
// they can be (non-empty, safe-OCTETs only) and quoted with a size prefix
// otherwise, the empty line between named parameters and payload exactly
// when both are present.

#include <array>
#include <string>
#include <string_view>

#include "ocp/message.hpp"

namespace ocp {

/// Appends the whole message, payload included, to `out`.
void serialize(const Message& message, std::string& out);
std::string serialize(const Message& message);

/// Appends one value in canonical form.
void serialize_value(const Value& value, std::string& out);
inline std::string serialize_value(const Value& value) {
  std::string out;
  serialize_value(value, out);
  return out;
}

/// Scatter-gather form: the octets before the payload are written into
/// `head_storage`; the payload is referenced, not copied. The returned
/// buffers, sent in order, are the message. They stay valid while the message
/// and `head_storage` live.
std::array<std::string_view, 3> serialize_gather(const Message& message, std::string& head_storage);

}  // namespace ocp
