#include "opes/smtp/server_capabilities.hpp"

#include "ascii.hpp"

namespace opes::smtp {

namespace {

std::string_view first_word(std::string_view line) noexcept {
  return line.substr(0, line.find(' '));
}

/// RFC 1870 §4: "SIZE" [SP number]; a malformed number announces no limit.
std::uint64_t size_value(std::string_view line) noexcept {
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  const std::string_view digits = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
  if (digits.empty() || digits.size() > 19) return 0;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!detail::is_digit(c)) return 0;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

bool ServerCapabilities::has(std::string_view keyword) const noexcept {
  for (const std::string& line : keywords) {
    if (detail::iequals(first_word(line), keyword)) return true;
  }
  return false;
}

ServerCapabilities parse_ehlo(const ocp::smtp::Reply& reply) {
  ServerCapabilities capabilities;
  if (reply.code != 250 || reply.lines.empty()) return capabilities;
  capabilities.domain = std::string(first_word(reply.lines.front()));
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    const std::string& line = reply.lines[i];
    const std::string_view keyword = first_word(line);
    if (detail::iequals(keyword, "PIPELINING")) {
      capabilities.pipelining = true;
    } else if (detail::iequals(keyword, "SIZE")) {
      capabilities.size = true;
      capabilities.size_limit = size_value(line);
    } else if (detail::iequals(keyword, "8BITMIME")) {
      capabilities.eight_bit_mime = true;
    } else if (detail::iequals(keyword, "STARTTLS")) {
      capabilities.starttls = true;
    } else if (detail::iequals(keyword, "SMTPUTF8")) {
      capabilities.smtputf8 = true;
    } else if (detail::iequals(keyword, "ENHANCEDSTATUSCODES")) {
      capabilities.enhanced_status_codes = true;
    } else if (detail::iequals(keyword, "CHUNKING")) {
      capabilities.chunking = true;
    } else if (detail::iequals(keyword, "OPES")) {
      capabilities.opes = true;
    }
    capabilities.keywords.push_back(line);
  }
  return capabilities;
}

}  // namespace opes::smtp
