#include "opes/processor/agent_id.hpp"

#include "ascii.hpp"

namespace opes::processor {

namespace {

/// RFC 2396 §3.1: scheme = alpha *( alpha | digit | "+" | "-" | "." )
bool is_scheme(std::string_view text) noexcept {
  if (text.empty() || !detail::is_alpha(text[0])) return false;
  for (char c : text) {
    if (!detail::is_alnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

/// RFC 2396 §2: uric = reserved | unreserved (escaped is checked apart);
/// "[" "]" from RFC 3986 §3.2.2 (IP-literal).
bool is_uric(char c) noexcept {
  return detail::is_alnum(c) ||
         std::string_view(";/?:@&=+$,-_.!~*'()[]").find(c) != std::string_view::npos;
}

/// scheme ":" and, after "//", the authority: the parts that compare
/// case-insensitively.
std::size_t case_insensitive_prefix(std::string_view id) noexcept {
  const std::size_t colon = id.find(':');
  if (colon == std::string_view::npos) return 0;
  if (id.substr(colon + 1, 2) != "//") return colon + 1;
  const std::size_t end = id.find_first_of("/?", colon + 3);
  return end == std::string_view::npos ? id.size() : end;
}

}  // namespace

bool is_absolute_uri(std::string_view text) noexcept {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || !is_scheme(text.substr(0, colon))) return false;
  const std::string_view rest = text.substr(colon + 1);
  if (rest.empty()) return false;  // opaque_part needs one octet, hier_part starts "/"
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c == '%') {
      // RFC 2396 §2.4.1: escaped = "%" hex hex
      if (i + 2 >= rest.size()) return false;
      if (!detail::is_hex_digit(rest[i + 1]) || !detail::is_hex_digit(rest[i + 2])) return false;
      i += 2;
      continue;
    }
    if (!is_uric(c)) return false;
  }
  return true;
}

bool is_opes_agent_id(std::string_view text) noexcept {
  return text.size() <= kMaxAgentIdLength && is_absolute_uri(text) &&
         text.find_first_of(",;") == std::string_view::npos;
}

bool same_agent_id(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  const std::size_t prefix = case_insensitive_prefix(a);
  if (prefix != case_insensitive_prefix(b)) return false;
  return detail::iequals(a.substr(0, prefix), b.substr(0, prefix)) &&
         a.substr(prefix) == b.substr(prefix);
}

}  // namespace opes::processor
