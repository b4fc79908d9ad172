#pragma once
// RFC 4037 §3.1: a message as the wire carries it, before any message-specific
// meaning is applied (see catalog.hpp for that).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/shared_bytes.hpp"
#include "ocp/value.hpp"

namespace ocp {

struct Message {
  std::string name;
  std::vector<Value> anonymous;
  std::vector<NamedValue> named;  // wire order kept
  std::optional<SharedBytes> payload;

  /// The named parameter with this name, or nullptr.
  const NamedValue* find(std::string_view parameter) const;

  friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace ocp
