#pragma once
// Octet classes shared by the parsers (RFC 5234 core rules, RFC 5321 §4.1.2).

#include <cstddef>
#include <string_view>

namespace opes::smtp::detail {

inline bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
inline bool is_let_dig(char c) noexcept {
  return is_alpha(c) || is_digit(c);
}
inline bool is_non_ascii(char c) noexcept {
  return static_cast<unsigned char>(c) >= 0x80;
}
inline char to_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_upper(a[i]) != to_upper(b[i])) return false;
  }
  return true;
}

inline bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

/// RFC 3629 §4: well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace opes::smtp::detail
