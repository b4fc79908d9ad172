#include "opes/pop3/capa_rewrite.hpp"

#include <cctype>

namespace opes::pop3 {

bool keep_upstream_capability(std::string_view line) {
  const auto keyword = line.substr(0, line.find(' '));
  if (keyword.size() != 4) return true;
  constexpr std::string_view stls = "STLS";
  for (std::size_t i = 0; i < 4; ++i) {
    if (std::toupper(static_cast<unsigned char>(keyword[i])) != stls[i]) return true;
  }
  return false;
}

std::string preamble_capabilities(bool offer_stls) {
  // RFC 2449 §6.9: IMPLEMENTATION names the software; §5: the list ends
  // with a line of one ".".
  std::string list = "+OK Capability list follows\r\n";
  if (offer_stls) list += "STLS\r\n";
  list += "IMPLEMENTATION opes-proxy\r\n.\r\n";
  return list;
}

}  // namespace opes::pop3
