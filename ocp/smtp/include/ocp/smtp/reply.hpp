#pragma once
// RFC 2821 §4.2: an SMTP reply, as the SMTP-Error parameter carries it
// (smtp §3.3.3: "an SMTP reply ... but without the final CRLF").

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocp/types.hpp"

namespace ocp::smtp {

/// A reply of one or more lines sharing one reply code. Each line is
/// `code "-" text` except the last, which is `code [SP text]` (RFC 2821
/// §4.2, §4.2.1).
struct Reply {
  /// RFC 2821 §4.5.3.1: 512 octets per reply line, CRLF included.
  static constexpr std::size_t kMaxLineLength = 510;

  std::uint16_t code = 0;          // 200..559, second digit 0..5 (Reply-code)
  std::vector<std::string> lines;  // the text of each line; at least one (it may be empty)

  /// A reply of one line: Reply::line(250, "2.0.0 Ok").
  static Reply line(std::uint16_t code, std::string text) { return Reply{code, {std::move(text)}}; }

  /// 2yz: the command was accepted (RFC 5321 §4.2.1).
  bool is_positive() const noexcept { return code >= 200 && code < 300; }
  /// 4yz or 5yz: what an SMTP-Error must carry (an SMTP *error*, smtp §3.3.3).
  bool is_error() const noexcept { return code >= 400 && code < 600; }

  /// The lines joined by CRLF, without the final CRLF: the SMTP-Error value.
  std::string text() const;
  /// As sent to the SMTP client: every line, each ended by CRLF.
  std::string wire() const;

  friend bool operator==(const Reply&, const Reply&) = default;
};

/// Reads a reply without its final CRLF: Reply-code %x32-35 %x30-35 %x30-39;
/// lines separated by CRLF (no bare CR or LF); each line but the last
/// `code "-"`, the last `code` or `code SP`; the same code on every line;
/// text of HT and %d32-126 only; lines of at most 510 octets.
Typed<Reply> parse_reply(std::string_view text);

/// This project's named member of a TE result (RFC 4037 §10.10 lets a
/// result carry members after its reason): `SMTP-Error: "552 5.3.4 ..."`,
/// the permanent reply a callout server's limit gives the message when no
/// answer could carry an SMTP-Error (docs/ocp-conformance.md, "Limits of
/// the callout path are the message's"). A processor that does not know it
/// sees a TE 400 like any other.
inline constexpr std::string_view kResultSmtpError = "SMTP-Error";

}  // namespace ocp::smtp
