#pragma once
// Syntax checks on what a service answers, done by the host so that a
// faulty plugin cannot inject protocol text: an SMTP reply goes verbatim to
// the SMTP client, a header field verbatim into the message. The syntax is
// ocp::smtp's (parse_reply, parse_header_fields), so that whatever the host
// accepts the callout server can send as SMTP-Error or Add-Header.

#include <string>
#include <string_view>

#include "opes/plugin_host/expected.hpp"

namespace opes::plugin_host {

/// An SMTP reply for SMTP-Error (draft §3.3.3): RFC 5321 §4.2 lines
/// "Code[-| ]text" joined by CRLF, the same code on every line, text of HTAB
/// and printable US-ASCII, a 4yz or 5yz code (a rejection), no final CRLF,
/// each line at most 510 octets.
Expected<void, std::string> check_rejection_reply(std::string_view reply);

/// One header field for Add-Header (draft §3.3.5): "Name: value" per RFC 5322
/// §2.2 in US-ASCII, folded lines allowed (CRLF followed by SP or HTAB, not
/// of white space alone), no final CRLF, no control character but HTAB, each
/// line at most 998 octets. Unlike an Add-Header value, never several fields:
/// one add_header call adds one field.
Expected<void, std::string> check_header_field(std::string_view field);

}  // namespace opes::plugin_host
