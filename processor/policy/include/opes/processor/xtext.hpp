#pragma once
// RFC 3461 §4: xtext, the encoding of ESMTP parameter values that may hold
// octets esmtp-value forbids ("=", SP, controls). The opesbypass value is
// xtext because agent ids are URIs, which may contain "=" and "+".

#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/processor/policy_error.hpp"

namespace opes::processor {

/// xtext = *( xchar / hexchar ); xchar = %d33-126 except "+" and "=";
/// hexchar = "+" two upper-case hexadecimal digits. The reason of an error
/// names the offset of the offending octet.
ocp::Expected<std::string, PolicyError> decode_xtext(std::string_view xtext);

/// The inverse: every octet that is not an xchar becomes "+" HEX HEX.
std::string encode_xtext(std::string_view octets);

}  // namespace opes::processor
