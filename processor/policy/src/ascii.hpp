#pragma once
// US-ASCII helpers for the policy cores; never locale-dependent.

#include <cstddef>
#include <string>
#include <string_view>

namespace opes::processor::detail {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

constexpr bool is_alpha(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_alnum(char c) noexcept {
  return is_alpha(c) || is_digit(c);
}
constexpr bool is_wsp(char c) noexcept {
  return c == ' ' || c == '\t';
}
constexpr bool is_hex_digit(char c) noexcept {
  return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}
/// Printable US-ASCII, SP included.
constexpr bool is_printable(char c) noexcept {
  const auto octet = static_cast<unsigned char>(c);
  return octet >= 32 && octet <= 126;
}

constexpr std::string_view trim_wsp(std::string_view text) noexcept {
  while (!text.empty() && is_wsp(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_wsp(text.back())) text.remove_suffix(1);
  return text;
}

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
