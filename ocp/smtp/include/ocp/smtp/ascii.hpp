#pragma once
// US-ASCII character classes and case-insensitive comparison, as SMTP
// (RFC 5321 §2.4: verbs, keywords, domains) and the profile's names (header
// field names, EHLO keywords) need them. Never locale-dependent; shared by
// the codec, the processor and the SMTP protocol core.

#include <cstddef>
#include <string_view>

namespace ocp::smtp::ascii {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char to_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}
constexpr bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
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
/// RFC 5321 §4.1.2 Let-dig.
constexpr bool is_let_dig(char c) noexcept {
  return is_alnum(c);
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
constexpr bool is_non_ascii(char c) noexcept {
  return static_cast<unsigned char>(c) >= 0x80;
}

constexpr std::string_view trim_wsp(std::string_view text) noexcept {
  while (!text.empty() && is_wsp(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_wsp(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace ocp::smtp::ascii
