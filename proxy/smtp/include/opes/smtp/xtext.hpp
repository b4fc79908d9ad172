#pragma once
// RFC 3461 §4: xtext, the encoding of ESMTP parameter values such as ORCPT
// and ENVID: printable ASCII except "+" and "=", others as "+" two HEXCHARs.

#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/smtp/command_error.hpp"

namespace opes::smtp {

/// Decodes xtext; a "+" not followed by two upper-case hex digits, or an
/// octet outside xchar, is refused with 501 5.5.4.
ocp::Expected<std::string, CommandError> decode_xtext(std::string_view xtext);

/// Encodes any octets as xtext (hex digits in upper case, as §4 requires).
std::string encode_xtext(std::string_view text);

}  // namespace opes::smtp
