#pragma once
// Syntax checks on what a service answers, done by the host so that a
// faulty plugin cannot inject protocol text: an SMTP reply goes verbatim to
// the SMTP client, a header field verbatim into the message.

#include <string>
#include <string_view>

#include "opes/plugin_host/expected.hpp"

namespace opes::plugin_host {

/// An SMTP reply for SMTP-Error (draft §3.3.3): RFC 5321 §4.2 lines
/// "Code[-| ]text" joined by CRLF, the same code on every line, a 4yz or 5yz
/// code (a rejection), no final CRLF, each line at most 510 octets.
Expected<void, std::string> check_rejection_reply(std::string_view reply);

/// A header field for Add-Header (draft §3.3.5): "Name: value" per RFC 5322
/// §2.2, folded lines allowed (CRLF followed by SP or HTAB), no final CRLF,
/// no other CR, LF or NUL, each line at most 998 octets.
Expected<void, std::string> check_header_field(std::string_view field);

}  // namespace opes::plugin_host
