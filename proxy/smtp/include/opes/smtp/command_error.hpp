#pragma once
// A command the SMTP core refuses, carrying the reply that says why
// (RFC 5321 §4.2.2 reply codes, RFC 3463 enhanced status codes).

#include <cstdint>
#include <string>
#include <string_view>

#include "ocp/smtp/reply.hpp"

namespace opes::smtp {

struct CommandError {
  std::uint16_t code = 500;     // RFC 5321 §4.2.2, e.g. 501
  std::string enhanced_status;  // RFC 3463 class.subject.detail, e.g. "5.1.7"
  std::string reason;           // printable ASCII naming what is wrong, never echoing input

  /// `code SP [enhanced SP] reason` on one line.
  ocp::smtp::Reply reply(bool enhanced_status_codes = true) const;

  friend bool operator==(const CommandError&, const CommandError&) = default;
};

/// A one-line reply. RFC 2034 §3: the enhanced status code leads the text
/// only in sessions that advertised ENHANCEDSTATUSCODES.
ocp::smtp::Reply make_reply(std::uint16_t code, std::string_view enhanced_status,
                            std::string_view text, bool enhanced_status_codes = true);

}  // namespace opes::smtp
