#pragma once
// RFC 4648 §4 base64, as SMTP AUTH carries SASL data (RFC 4954 §4): strict,
// padded, no line breaks; anything else is refused, not skipped.

#include <optional>
#include <string>
#include <string_view>

namespace opes::sasl {

std::string base64_encode(std::string_view bytes);
/// nullopt: not canonical padded base64 (RFC 4648 §3.5: the pad bits must be zero).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace opes::sasl
