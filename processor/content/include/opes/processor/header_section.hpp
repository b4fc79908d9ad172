#pragma once
// RFC 5322 §2.1, §2.2: the header section of a message as octets. The
// header section ends at the first empty line; a message without one is all
// header section. Fields are cut where the splitter cuts them, so that what
// SINGLEHEADERS sends is exactly what this lists (P-6).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opes::processor {

/// One field as it stands in the message. Views into the caller's octets.
struct RawHeaderField {
  /// The field-name before the colon; empty when the line does not start
  /// with a field-name and a colon (a line the processor keeps opaque, P-6).
  std::string_view name;
  /// The whole field: first line, folded lines, and the final CRLF when the
  /// section has one.
  std::string_view text;
};

/// RFC 5322 §2.1: the offset just past the empty line (CRLF CRLF, or a CRLF
/// at offset 0) that ends the header section; nullopt when there is none.
std::optional<std::size_t> header_section_end(std::string_view message) noexcept;

/// The fields of a header section, in order, up to the empty line (which is
/// not listed) or the end of `section`. RFC 5322 §2.2.3: a line starting with
/// SP or HTAB continues the field before it; at the very start it opens a
/// nameless field.
std::vector<RawHeaderField> list_header_fields(std::string_view section);

/// The field-name of a field's text: RFC 5322 §2.2 ftext octets up to the
/// first colon; empty when the text does not start that way.
std::string_view field_name_of(std::string_view field_text) noexcept;

/// P-6: a field the processor sends as SINGLEHEADERS and accepts back: a
/// field-name and a colon, CR only in CRLF, LF only after CR, every CRLF but
/// the final one followed by SP or HTAB, ending in CRLF. Other octets
/// (UTF-8, RFC 6532) are allowed; line length is not checked here.
bool is_well_formed_field(std::string_view field_text) noexcept;

/// P-7: a SINGLEHEADERS answer: zero or more well-formed fields. The fields,
/// or a reason naming the first bad one.
struct HeaderFieldsCheck {
  std::vector<RawHeaderField> fields;
  std::string problem;  // empty when the text is header fields
};
HeaderFieldsCheck check_header_fields(std::string_view text);

/// RFC 5322 §2.2.3: a field body with its folding CRLFs removed.
std::string unfold(std::string_view field_body);

/// Case-insensitive field-name comparison (RFC 5322 §1.2.2), US-ASCII only.
bool same_field_name(std::string_view a, std::string_view b) noexcept;

}  // namespace opes::processor
