#pragma once
// Octet classes shared by the parsers (RFC 5234 core rules, RFC 5321 §4.1.2).

#include <cstddef>
#include <string_view>

#include "ocp/smtp/ascii.hpp"

namespace opes::smtp::detail {

using namespace ocp::smtp::ascii;

/// RFC 3629 §4: well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace opes::smtp::detail
