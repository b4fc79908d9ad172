#include "ocp/value.hpp"

#include <algorithm>

#include "ocp/message.hpp"

namespace ocp {

bool operator==(const List& a, const List& b) { return a.items == b.items; }

bool operator==(const Structure& a, const Structure& b) {
  return a.anonymous == b.anonymous && a.named == b.named;
}

bool operator==(const Value& a, const Value& b) { return a.node == b.node; }

bool operator==(const NamedValue& a, const NamedValue& b) {
  return a.name == b.name && a.value == b.value && a.extra_values == b.extra_values;
}

const NamedValue* Structure::find(std::string_view name) const {
  const auto it = std::find_if(named.begin(), named.end(),
                               [&](const NamedValue& member) { return member.name == name; });
  return it == named.end() ? nullptr : &*it;
}

const NamedValue* Message::find(std::string_view parameter) const {
  const auto it = std::find_if(named.begin(), named.end(),
                               [&](const NamedValue& named_value) { return named_value.name == parameter; });
  return it == named.end() ? nullptr : &*it;
}

bool can_be_bare(std::string_view bytes) noexcept {
  return !bytes.empty() && std::all_of(bytes.begin(), bytes.end(), [](char c) {
    return is_safe_octet(static_cast<unsigned char>(c));
  });
}

}  // namespace ocp
