#pragma once
// US-ASCII helpers for the policy cores; never locale-dependent.

#include <cstddef>
#include <string>
#include <string_view>

#include "ocp/smtp/ascii.hpp"

namespace opes::processor::detail {

using namespace ocp::smtp::ascii;

/// RFC 2616 §2.2 token: printable US-ASCII other than separators.
constexpr bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_printable(c) || c == ' ') return false;
    if (std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace opes::processor::detail
