#pragma once
// What the upstream server's EHLO reply offers (RFC 5321 §4.1.1.1: the
// first line names the server, each further line is a keyword and its
// parameters).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/reply.hpp"

namespace opes::smtp {

struct ServerCapabilities {
  std::string domain;                  // the first word of the first line
  bool pipelining = false;             // RFC 2920
  bool size = false;                   // RFC 1870
  std::uint64_t size_limit = 0;        // SIZE's value; 0 = none announced
  bool eight_bit_mime = false;         // RFC 6152
  bool starttls = false;               // RFC 3207
  bool smtputf8 = false;               // RFC 6531
  bool enhanced_status_codes = false;  // RFC 2034
  bool chunking = false;               // RFC 3030
  bool opes = false;                   // draft-ietf-opes-smtp-00 §5
  /// Each extension line as sent, keyword and parameters.
  std::vector<std::string> keywords;

  /// Whether a line's keyword equals `keyword` (case-insensitive).
  bool has(std::string_view keyword) const noexcept;
};

/// Reads a 250 reply to EHLO; any other reply offers nothing.
ServerCapabilities parse_ehlo(const ocp::smtp::Reply& reply);

}  // namespace opes::smtp
