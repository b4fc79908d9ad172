// The routing table's lookups (config.hpp Routing): which destination takes
// a recipient. No I/O; built and checked by the configuration reader.

#include "ocp/smtp/ascii.hpp"
#include "opes/proxy/config.hpp"

#include <algorithm>

namespace opes::proxy {

namespace ascii = ocp::smtp::ascii;

std::optional<std::string> parse_domain_pattern(std::string_view text) {
  // RFC 5321 §2.4: domains compare case-insensitively; kept in lower case.
  std::string pattern;
  for (char c : text) pattern += ascii::ascii_lower(c);
  if (pattern.size() > 2 && pattern.front() == '[' && pattern.back() == ']') {
    // An address literal (RFC 5321 §4.1.3) matches itself only.
    const bool printable = pattern.size() <= 255 &&
                           std::all_of(pattern.begin() + 1, pattern.end() - 1, [](char c) {
                             return ascii::is_printable(c) && c != '[' && c != ']' && c != '\\' && c != ' ';
                           });
    return printable ? std::optional<std::string>(pattern) : std::nullopt;
  }
  // LDH labels (RFC 1035 §2.3.1): 63 octets a label, 253 in all, no
  // hyphen first or last; a leading '.' means every name below.
  std::string_view domain = pattern;
  if (!domain.empty() && domain.front() == '.') domain.remove_prefix(1);
  if (domain.empty() || domain.size() > 253) return std::nullopt;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      if (label == 0 || label > 63 || domain[i - 1] == '-' || domain[i - label] == '-') return std::nullopt;
      label = 0;
    } else if (ascii::is_let_dig(domain[i]) || domain[i] == '-') {
      ++label;
    } else {
      return std::nullopt;
    }
  }
  return pattern;
}

std::size_t Routing::destination_for(std::string_view recipient) const {
  const auto at = recipient.rfind('@');
  if (at == std::string_view::npos || by_pattern.empty()) return default_destination;
  std::string domain;
  for (char c : recipient.substr(at + 1)) domain += ascii::ascii_lower(c);
  // transport(5)'s order: the domain itself, then each parent as ".parent",
  // nearest first.
  if (auto exact = by_pattern.find(domain); exact != by_pattern.end()) return exact->second;
  if (!domain.empty() && domain.front() == '[') return default_destination;
  for (std::size_t dot = domain.find('.'); dot != std::string::npos; dot = domain.find('.', dot + 1)) {
    if (auto parent = by_pattern.find(std::string_view(domain).substr(dot)); parent != by_pattern.end())
      return parent->second;
  }
  return default_destination;
}

std::optional<std::size_t> Routing::only_destination() const {
  for (const auto& [pattern, index] : by_pattern)
    if (index != default_destination) return std::nullopt;
  if (destinations.empty()) return std::nullopt;
  return default_destination;
}

std::optional<std::size_t> Routing::find(std::string_view name) const {
  for (std::size_t i = 0; i < destinations.size(); ++i)
    if (destinations[i].name == name) return i;
  return std::nullopt;
}

}  // namespace opes::proxy
