#pragma once
// RFC 2822 §2.2: header fields, as the Add-Header parameter carries them
// (smtp §3.3.5: "SMTP header lines ... without the terminating CRLF").

#include <string>
#include <string_view>
#include <vector>

#include "ocp/types.hpp"

namespace ocp::smtp {

/// One header field: `name ":" body`, the body as sent (folding kept).
struct HeaderField {
  /// RFC 2822 §2.1.1: at most 998 octets per line, CRLF excluded.
  static constexpr std::size_t kMaxLineLength = 998;

  std::string name;  // RFC 2822 §2.2 field-name
  std::string body;  // everything after the colon, usually starting with SP

  /// `name ":" body`, without a final CRLF.
  std::string text() const;

  friend bool operator==(const HeaderField&, const HeaderField&) = default;
};

/// one or more header fields separated by CRLF, without the final
/// CRLF. A CRLF followed by SP or HTAB folds the current field (RFC 2822
/// §2.2.3); any other CRLF starts the next field. Each field is a
/// field-name, a colon, and a body of US-ASCII octets other than NUL, CR and
/// LF; no line is longer than 998 octets, and no folded line is blank.
Typed<std::vector<HeaderField>> parse_header_fields(std::string_view text);

/// The fields joined by CRLF, without the final CRLF.
std::string join_header_fields(const std::vector<HeaderField>& fields);

}  // namespace ocp::smtp
