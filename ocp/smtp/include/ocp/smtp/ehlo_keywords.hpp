#pragma once
// smtp §3.4.1: the `Extensions` member of a callout server's NR, the SMTP
// service extensions it understands named by their EHLO keywords.

#include <string>
#include <string_view>
#include <vector>

#include "ocp/types.hpp"
#include "ocp/value.hpp"

namespace ocp::smtp {

/// `Extensions: extends list of atom`, each an RFC 2821 §4.1.1.1
/// ehlo-keyword (ALPHA / DIGIT, then ALPHA / DIGIT / "-"), compared
/// case-insensitively as SMTP does.
struct EhloKeywords {
  std::vector<std::string> keywords;  // as given

  bool empty() const noexcept { return keywords.empty(); }
  bool contains(std::string_view keyword) const noexcept;
  /// Keywords once each, compared case-insensitively; the first spelling kept.
  EhloKeywords normalized() const;

  friend bool operator==(const EhloKeywords&, const EhloKeywords&) = default;
};

bool is_ehlo_keyword(std::string_view keyword) noexcept;

Typed<EhloKeywords> read_ehlo_keywords(const Value& value);
Value write_ehlo_keywords(const EhloKeywords& keywords);

}  // namespace ocp::smtp
