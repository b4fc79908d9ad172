#include "opes/processor/header_section.hpp"

namespace opes::processor {

namespace {

bool is_wsp(char c) noexcept {
  return c == ' ' || c == '\t';
}

/// RFC 5322 §2.2: ftext = %d33-57 / %d59-126.
bool is_ftext(char c) noexcept {
  const auto octet = static_cast<unsigned char>(c);
  return octet >= 33 && octet <= 126 && octet != ':';
}

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// The end of the line that starts at `at`: just past its CRLF, or the end.
std::size_t line_end(std::string_view text, std::size_t at) noexcept {
  const std::size_t crlf = text.find("\r\n", at);
  return crlf == std::string_view::npos ? text.size() : crlf + 2;
}

}  // namespace

std::optional<std::size_t> header_section_end(std::string_view message) noexcept {
  if (message.starts_with("\r\n")) return 2;
  const std::size_t blank = message.find("\r\n\r\n");
  if (blank == std::string_view::npos) return std::nullopt;
  return blank + 4;
}

std::vector<RawHeaderField> list_header_fields(std::string_view section) {
  std::vector<RawHeaderField> fields;
  std::size_t at = 0;
  while (at < section.size()) {
    if (section.substr(at).starts_with("\r\n")) break;  // the empty line
    std::size_t end = line_end(section, at);
    // RFC 5322 §2.2.3: folded lines belong to the field before them.
    while (end < section.size() && is_wsp(section[end])) end = line_end(section, end);
    const std::string_view text = section.substr(at, end - at);
    fields.push_back(RawHeaderField{field_name_of(text), text});
    at = end;
  }
  return fields;
}

std::string_view field_name_of(std::string_view field_text) noexcept {
  std::size_t i = 0;
  while (i < field_text.size() && is_ftext(field_text[i])) ++i;
  if (i == 0 || i == field_text.size() || field_text[i] != ':') return {};
  return field_text.substr(0, i);
}

bool is_well_formed_field(std::string_view field_text) noexcept {
  if (field_name_of(field_text).empty() || !field_text.ends_with("\r\n")) return false;
  for (std::size_t i = 0; i < field_text.size(); ++i) {
    const char c = field_text[i];
    if (c == '\n') return false;  // every LF is consumed after its CR below
    if (c != '\r') continue;
    if (i + 1 >= field_text.size() || field_text[i + 1] != '\n') return false;
    const std::size_t next = i + 2;
    if (next < field_text.size() && !is_wsp(field_text[next])) return false;
    ++i;
  }
  return true;
}

HeaderFieldsCheck check_header_fields(std::string_view text) {
  HeaderFieldsCheck check;
  check.fields = list_header_fields(text);
  std::size_t listed = 0;
  for (std::size_t i = 0; i < check.fields.size(); ++i) {
    listed += check.fields[i].text.size();
    if (!is_well_formed_field(check.fields[i].text)) {
      check.problem = "header field " + std::to_string(i + 1) +
                      " is not a field-name, a colon and CRLF-ended lines (RFC 5322 §2.2)";
      return check;
    }
  }
  // list_header_fields stops at an empty line: what follows it is not fields.
  if (listed != text.size()) {
    check.problem = "an empty line after header field " + std::to_string(check.fields.size());
  }
  return check;
}

std::string unfold(std::string_view field_body) {
  std::string out;
  out.reserve(field_body.size());
  for (std::size_t i = 0; i < field_body.size(); ++i) {
    if (field_body[i] == '\r' && i + 1 < field_body.size() && field_body[i + 1] == '\n') {
      ++i;
      continue;
    }
    out += field_body[i];
  }
  return out;
}

bool same_field_name(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace opes::processor
