#pragma once
// Just enough MIME (RFC 2045, RFC 2046) to find where a text part's body
// starts and ends inside a message, without copying or re-serialising it:
// everything is a view or an offset into the original octets, so the parts
// the disclaimer does not touch come out byte for byte as they went in.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace disclaimer {

/// Offset of an entity's body: after the empty line that ends its header
/// section (RFC 5322 §2.1); an entity that starts with CRLF has no header
/// fields (RFC 2046 §5.1.1). nullopt when there is no empty line.
std::optional<std::size_t> find_body(std::string_view entity) noexcept;

/// The value of the first header field called `name` (ASCII case-
/// insensitive), unfolded and trimmed; nullopt when absent.
std::optional<std::string> header_value(std::string_view headers, std::string_view name);

struct ContentType {
  std::string type;                               // lower case; empty when the field does not parse
  std::string subtype;                            // lower case
  std::map<std::string, std::string> parameters;  // names lower case, values unquoted
};

/// RFC 2045 §5.1 Content-Type value; comments are skipped. RFC 2231
/// parameter continuations are not joined (their names keep the '*').
ContentType parse_content_type(std::string_view value);

/// The first token of a field such as Content-Transfer-Encoding or
/// Content-Disposition, lower case.
std::string first_token(std::string_view value);

struct Span {
  std::size_t begin;
  std::size_t end;
};

/// The body parts of a multipart body (RFC 2046 §5.1.1), as offsets into
/// `body`: each from after its delimiter line to before the CRLF that
/// precedes the next delimiter. nullopt when the first delimiter or the
/// close delimiter is missing: then the structure is not trustworthy.
std::optional<std::vector<Span>> split_multipart(std::string_view body, std::string_view boundary);

}  // namespace disclaimer
