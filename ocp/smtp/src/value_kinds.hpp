#pragma once
// Shapes of OCP values, for readings that report what they got instead.

#include <string>
#include <string_view>

#include "ocp/value.hpp"

namespace ocp::smtp::detail {

inline const char* kind_of(const Value& value) noexcept {
  if (value.as_atom()) return "an atom";
  if (value.as_list()) return "a list";
  return "a structure";
}

/// The octets of an atom for an error message: printable US-ASCII as is,
/// anything else as \xNN, cut after 32 octets.
std::string quoted(std::string_view bytes);

}  // namespace ocp::smtp::detail
