#include "opes/smtp/xtext.hpp"

namespace opes::smtp {

namespace {

/// RFC 3461 §4: hexchar = ASCII "+" immediately followed by two upper case hexadecimal digits
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// RFC 3461 §4: xchar = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except "+" and "="
bool is_xchar(char c) noexcept {
  return c >= '!' && c <= '~' && c != '+' && c != '=';
}

CommandError bad_xtext(std::string reason) {
  return CommandError{501, "5.5.4", std::move(reason)};
}

}  // namespace

ocp::Expected<std::string, CommandError> decode_xtext(std::string_view xtext) {
  std::string out;
  out.reserve(xtext.size());
  for (std::size_t i = 0; i < xtext.size(); ++i) {
    const char c = xtext[i];
    if (c == '+') {
      if (xtext.size() - i < 3) return ocp::unexpected(bad_xtext("Truncated xtext hexchar"));
      const int high = hex_value(xtext[i + 1]);
      const int low = hex_value(xtext[i + 2]);
      if (high < 0 || low < 0) {
        return ocp::unexpected(bad_xtext("xtext hexchar needs two upper-case hex digits"));
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (is_xchar(c)) {
      out += c;
    } else {
      return ocp::unexpected(bad_xtext("Octet not allowed in xtext"));
    }
  }
  return out;
}

std::string encode_xtext(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_xchar(c)) {
      out += c;
    } else {
      const auto octet = static_cast<unsigned char>(c);
      out += '+';
      out += kHex[octet >> 4];
      out += kHex[octet & 0x0F];
    }
  }
  return out;
}

}  // namespace opes::smtp
