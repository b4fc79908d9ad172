#pragma once
// The two RFC 2045 §6 content transfer encodings a text part may use.

#include <optional>
#include <string>
#include <string_view>

namespace disclaimer {

/// Quoted-printable (RFC 2045 §6.7) of text whose lines end in CRLF: the
/// line breaks stay hard line breaks, long lines get soft breaks so that no
/// encoded line exceeds 76 characters. No CRLF after the last line.
std::string encode_quoted_printable(std::string_view text);

/// Base64 (RFC 2045 §6.8) in lines of 76 characters joined by CRLF, no CRLF
/// after the last line.
std::string encode_base64(std::string_view octets);

/// Decodes base64, ignoring line breaks and blanks; nullopt on any other
/// character, on misplaced padding or on a length that is not whole.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace disclaimer
