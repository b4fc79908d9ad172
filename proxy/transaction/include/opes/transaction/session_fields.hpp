#pragma once
// Text the SMTP session writes into messages and logs: session ids, dates,
// the Received field (RFC 5321 §4.4, protocol names of RFC 3848).

#include <string>
#include <string_view>

#include "ocp/smtp/header_field.hpp"
#include "opes/smtp/received_field.hpp"

namespace opes::proxy {

/// 12 random characters from [0-9A-Z]: RFC 3986 unreserved, as the trace
/// entry's session query needs (draft §4.1 Figure 17).
std::string new_session_id();

/// RFC 5322 §3.3 date-time of now, in UTC.
std::string rfc5322_date();

using smtp::ReceivedInput;  // opes/smtp/received_field.hpp

ocp::smtp::HeaderField received_field(const ReceivedInput& input);

}  // namespace opes::proxy
