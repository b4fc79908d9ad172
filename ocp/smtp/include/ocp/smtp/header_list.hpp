#pragma once
// smtp §3.2.5: Header-List, the header fields a callout server wants sent as
// SINGLEHEADERS parts.

#include <string>
#include <string_view>
#include <vector>

#include "ocp/types.hpp"
#include "ocp/value.hpp"

namespace ocp::smtp {

/// headernames (smtp §3.2.5 Figure 3). Each name is an RFC 2822 §2.2
/// field-name compared case-insensitively, or the wildcard `*` for every
/// header field. A-23: the wildcard travels as the quoted atom "1:*" (a bare
/// `*` is an OCP syntax error), which write_header_list produces.
struct HeaderList {
  static constexpr std::string_view kWildcard = "*";

  std::vector<std::string> names;  // as given; the wildcard is "*"

  bool has_wildcard() const noexcept;
  /// Whether the header field with this name is requested (the wildcard
  /// requests all).
  bool requests(std::string_view field_name) const noexcept;
  /// Names once each (the first spelling kept); only the wildcard when it is
  /// present.
  HeaderList normalized() const;

  friend bool operator==(const HeaderList&, const HeaderList&) = default;
};

/// RFC 2822 §2.2 field-name: one or more printable US-ASCII octets other than
/// colon (%d33-57 / %d59-126).
bool is_field_name(std::string_view name) noexcept;

/// Case-insensitive comparison of header field names (RFC 2822 §1.2.2).
bool same_field_name(std::string_view a, std::string_view b) noexcept;

Typed<HeaderList> read_header_list(const Value& value);
Value write_header_list(const HeaderList& list);

}  // namespace ocp::smtp
