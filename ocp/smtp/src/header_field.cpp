#include "ocp/smtp/header_field.hpp"

#include "ocp/smtp/header_list.hpp"
#include "value_kinds.hpp"

namespace ocp::smtp {

namespace {

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

/// RFC 2822 §2.2: a field body is US-ASCII other than CR and LF (and NUL,
/// which §3.2.1 text excludes); CRLF only where folding puts it.
bool is_body_octet(char c) {
  const auto octet = static_cast<unsigned char>(c);
  return octet >= 1 && octet <= 127 && octet != '\r' && octet != '\n';
}

TypeError bad_field(std::size_t number, std::string reason) {
  return TypeError{"header field " + std::to_string(number) + ": " + std::move(reason)};
}

/// One field: its lines (first and folded ones) without CRLFs between them.
Typed<HeaderField> parse_field(std::string_view text, std::size_t number) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return unexpected(bad_field(number, "has no colon"));
  const std::string_view name = text.substr(0, colon);
  if (!is_field_name(name)) {
    return unexpected(
        bad_field(number, detail::quoted(name) + " is not a field name (RFC 2822 §2.2)"));
  }
  HeaderField field{std::string(name), std::string(text.substr(colon + 1))};
  // Walk the body line by line: every CRLF in it must be folding.
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      if (i - line_start > HeaderField::kMaxLineLength) {
        return unexpected(bad_field(number, "a line is longer than 998 octets (RFC 2822 §2.1.1)"));
      }
      line_start = i + 2;
      ++i;
      continue;
    }
    if (i >= colon && !is_body_octet(text[i])) {
      return unexpected(bad_field(number, "body holds NUL, a bare CR or LF, or a non-ASCII octet"));
    }
  }
  if (text.size() - line_start > HeaderField::kMaxLineLength) {
    return unexpected(bad_field(number, "a line is longer than 998 octets (RFC 2822 §2.1.1)"));
  }
  return field;
}

}  // namespace

std::string HeaderField::text() const {
  return name + ":" + body;
}

Typed<std::vector<HeaderField>> parse_header_fields(std::string_view text) {
  if (text.empty()) return unexpected(TypeError{"no header field"});
  if (text.ends_with("\r\n")) {
    return unexpected(TypeError{"header fields must not end with CRLF (smtp §3.3.5)"});
  }
  std::vector<HeaderField> fields;
  std::size_t field_start = 0;
  std::size_t at = 0;
  for (;;) {
    const std::size_t crlf = text.find("\r\n", at);
    if (crlf != std::string_view::npos && crlf + 2 < text.size() && is_wsp(text[crlf + 2])) {
      // RFC 2822 §2.2.3 folding; a folded line of white space alone would
      // read as the empty line that ends a header.
      std::size_t next = crlf + 2;
      while (next < text.size() && is_wsp(text[next])) ++next;
      if (next == text.size() || text.substr(next).starts_with("\r\n")) {
        return unexpected(bad_field(fields.size() + 1, "a folded line holds only white space"));
      }
      at = crlf + 2;
      continue;
    }
    const std::size_t field_end = crlf == std::string_view::npos ? text.size() : crlf;
    auto field = parse_field(text.substr(field_start, field_end - field_start), fields.size() + 1);
    if (!field) return unexpected(std::move(field).error());
    fields.push_back(std::move(*field));
    if (crlf == std::string_view::npos) break;
    field_start = at = crlf + 2;
  }
  return fields;
}

std::string join_header_fields(const std::vector<HeaderField>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) out += "\r\n";
    out += fields[i].text();
  }
  return out;
}

}  // namespace ocp::smtp
