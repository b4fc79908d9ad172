#include "opes/plugin_host/am_part.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace opes::plugin_host::am_part {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) ==
           std::toupper(static_cast<unsigned char>(y));
  });
}

bool contains(std::span<const std::string> list, std::string_view part) {
  return std::find(list.begin(), list.end(), part) != list.end();
}

// RFC 5322 §3.6.8 ftext: printable US-ASCII except ':'.
bool is_field_name(std::string_view name) noexcept {
  return !name.empty() && std::all_of(name.begin(), name.end(),
                                      [](char c) { return c >= 33 && c <= 126 && c != ':'; });
}

}  // namespace

bool is_valid_name(std::string_view part) noexcept {
  // An OCP atom naming an SMTP command or data part: keep it to command-like
  // characters so it maps onto an OCP bare value unchanged.
  if (part.empty() || part.size() > 64) return false;
  const bool atom = std::all_of(part.begin(), part.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  return atom && !iequals(part, "DATA") && !iequals(part, "RSET") && !iequals(part, "QUIT");
}

bool is_fragmentable(std::string_view part) noexcept {
  return part == rawdata || part == allheaders || part == body || part == sections;
}

bool is_content(std::string_view part) noexcept {
  return is_fragmentable(part) || part == singleheaders;
}

Expected<void, std::string> check_selection(std::span<const std::string> adaptive,
                                            std::span<const std::string> informative,
                                            std::span<const std::string> header_list) {
  if (adaptive.empty() && informative.empty())
    return unexpected(std::string("no am-parts declared"));

  std::vector<std::string> all;
  for (auto list : {adaptive, informative}) {
    for (const std::string& part : list) {
      if (!is_valid_name(part)) return unexpected("invalid am-part name \"" + part + "\"");
      if (contains(all, part)) {
        // §3.2.4: a part is adaptive or informative, never both.
        return unexpected("am-part " + part + " is listed twice");
      }
      all.push_back(part);
    }
  }

  // §3.2.1: parts that may not be chosen together in one transaction.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> exclusive{{
      {rawdata, allheaders},
      {rawdata, singleheaders},
      {rawdata, body},
      {rawdata, sections},
      {allheaders, singleheaders},
      {body, sections},
  }};
  for (const auto& [a, b] : exclusive) {
    if (contains(all, a) && contains(all, b)) {
      return unexpected(std::string(a) + " and " + std::string(b) +
                        " are mutually exclusive (draft-ietf-opes-smtp-00 §3.2.1)");
    }
  }

  // §3.2.5: a Header-List exactly when SINGLEHEADERS is chosen.
  const bool single = contains(all, std::string(singleheaders));
  if (single && header_list.empty()) {
    return unexpected(std::string("SINGLEHEADERS needs a header list (§3.2.5)"));
  }
  if (!single && !header_list.empty()) {
    return unexpected(std::string("a header list is only allowed with SINGLEHEADERS (§3.2.5)"));
  }
  for (const std::string& name : header_list) {
    if (name != "*" && !is_field_name(name)) {
      return unexpected("invalid header name \"" + name + "\" in the header list");
    }
  }
  return {};
}

}  // namespace opes::plugin_host::am_part
