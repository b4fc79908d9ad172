#include "ocp/smtp/xtext.hpp"

namespace ocp::smtp {

namespace {

/// RFC 3461 §4: "xchar = any ASCII CHAR between "!" (33) and "~" (126)
/// inclusive, except for "+" and "="".
bool is_xchar(char c) noexcept {
  const auto octet = static_cast<unsigned char>(c);
  return octet >= 33 && octet <= 126 && c != '+' && c != '=';
}

/// RFC 3461 §4: "hexchar = ASCII "+" immediately followed by two upper case
/// hexadecimal digits".
int upper_hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

XtextError bad_xtext(std::size_t offset, std::string_view why) {
  return XtextError{offset, "octet " + std::to_string(offset) + ": " + std::string(why)};
}

}  // namespace

Expected<std::string, XtextError> decode_xtext(std::string_view xtext) {
  std::string octets;
  octets.reserve(xtext.size());
  for (std::size_t i = 0; i < xtext.size(); ++i) {
    const char c = xtext[i];
    if (c == '+') {
      if (xtext.size() - i < 3) {
        return unexpected(bad_xtext(i, "\"+\" needs two hexadecimal digits"));
      }
      const int high = upper_hex_value(xtext[i + 1]);
      const int low = upper_hex_value(xtext[i + 2]);
      if (high < 0 || low < 0) {
        return unexpected(bad_xtext(i, "\"+\" needs two upper-case hexadecimal digits"));
      }
      octets.push_back(static_cast<char>(high * 16 + low));
      i += 2;
      continue;
    }
    if (!is_xchar(c)) {
      return unexpected(bad_xtext(i, c == '=' ? "\"=\" must be sent as +3D" : "not an xchar"));
    }
    octets.push_back(c);
  }
  return octets;
}

std::string encode_xtext(std::string_view octets) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string xtext;
  xtext.reserve(octets.size());
  for (char c : octets) {
    if (is_xchar(c)) {
      xtext.push_back(c);
      continue;
    }
    const auto octet = static_cast<unsigned char>(c);
    xtext.push_back('+');
    xtext.push_back(kHex[octet >> 4]);
    xtext.push_back(kHex[octet & 0x0F]);
  }
  return xtext;
}

}  // namespace ocp::smtp
