#pragma once
// RFC 3461 §4: xtext, the encoding of ESMTP parameter values that may hold
// octets esmtp-value forbids ("=", SP, controls): ENVID and ORCPT (RFC 3461
// §4.2, §4.4), XCLIENT/XFORWARD attributes, and the draft's opesbypass value
// (agent ids are URIs, which may contain "=" and "+"). One codec for the SMTP
// protocol core and the processor's policies, both of which link ocp_smtp.

#include <cstddef>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"

namespace ocp::smtp {

/// Why a text is not xtext. Each caller words its own reply around it.
struct XtextError {
  std::size_t offset = 0;  ///< of the offending octet in the xtext
  std::string reason;      ///< "octet <offset>: <why>"
};

/// xtext = *( xchar / hexchar ); xchar = %d33-126 except "+" and "=";
/// hexchar = "+" two upper-case hexadecimal digits.
Expected<std::string, XtextError> decode_xtext(std::string_view xtext);

/// The inverse: every octet that is not an xchar becomes "+" HEX HEX, hex
/// digits in upper case as §4 requires.
std::string encode_xtext(std::string_view octets);

}  // namespace ocp::smtp
