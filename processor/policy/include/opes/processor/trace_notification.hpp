#pragma once
// draft-ietf-opes-smtp-00 §4.2: when MAIL FROM carried opestrace, the OPES
// system sends the sender a separate message that "MUST contain all message
// headers, including the trace headers" and "MUST NOT contain any parts of
// the body of the original message". Built here as a complete RFC 5322
// message; sending it is the caller's business.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/processor/policy_error.hpp"

namespace opes::processor {

/// What became of one service of the group for this message.
struct ServiceOutcome {
  enum class Action { ran, bypassed, bypass_refused };

  std::string name;      // shown as is; octets outside printable US-ASCII become '?'
  std::string agent_id;  // likewise
  Action action = Action::ran;
};

struct TraceNotificationInput {
  /// Longest header section accepted, up to and including the empty line.
  static constexpr std::size_t kMaxHeaderSectionLength = 256 * 1024;

  /// The adapted message's header section: CRLF lines ending with the empty
  /// line. Anything after the empty line (a body) is never read.
  std::string_view header_section;
  /// The MAIL FROM reverse-path without angle brackets; "" is the null
  /// sender, who gets no notification (RFC 3834 §2: no loops).
  std::string_view envelope_sender;
  std::string_view host_name;   // this OPES system, named in the text part
  std::string_view postmaster;  // the From: and the address replies reach
  std::string_view date;        // RFC 5322 §3.3 date-time, made by the caller
  std::string_view message_id;  // RFC 5322 §3.6.4 msg-id with its "<" ">"
  std::vector<ServiceOutcome> services;
  /// Most octets of header lines the notification repeats (the empty line
  /// not counted); longer sections are cut after the last whole line that
  /// fits and the text says so. Whoever forged the envelope sender chose
  /// these lines: the bound keeps the notification from reflecting them in
  /// bulk (docs/ocp-conformance.md, "Policy: the opestrace notification").
  /// At least kMinHeaderOctets, so that one line always fits.
  std::size_t max_header_octets = kMaxHeaderSectionLength;
  static constexpr std::size_t kMinHeaderOctets = 1024;
};

struct TraceNotification {
  /// RFC 3834 §3 and RFC 5321 §4.5.5: the null sender, so that nothing
  /// answers the notification.
  std::string envelope_from;
  std::string recipient;  // the original envelope sender
  /// The whole message, CRLF line ends, every line at most 998 octets.
  std::string content;
  /// The header section held 8-bit octets (RFC 6532 headers): send with
  /// BODY=8BITMIME, or SMTPUTF8 when the upstream requires it.
  bool eight_bit = false;
  /// The header lines of the original, and how many the notification holds
  /// (less when cut at max_header_octets).
  std::size_t header_octets = 0;
  std::size_t header_octets_included = 0;
};

/// Longest Subject text taken from the original before "...".
inline constexpr std::size_t kMaxTracedSubjectLength = 200;

/// The notification, or nullopt for the null sender. The shape:
/// From/To/Subject ("OPES trace: " and the original Subject, else its
/// Message-ID; unfolded, control octets replaced, at most 200 octets,
/// folded at 78), Date, Message-ID, In-Reply-To and References (RFC 5322
/// §3.6.4, RFC 3834 §3.1) when the original has a Message-ID, Auto-Submitted:
/// auto-generated (RFC 3834 §5), MIME-Version, and a multipart/mixed body
/// of a text/plain explanation (which services ran, were bypassed, were
/// protected) and a text/rfc822-headers part (RFC 6522 §4) holding the
/// header lines verbatim. The boundary is derived from the notification's
/// Message-ID and made longer until it occurs in neither part.
///
/// A header section over max_header_octets is cut at a line end and the
/// text part says "... shortened: the first N of its M octets are included".
///
/// Errors: a max_header_octets under kMinHeaderOctets; a header section without its empty line, with a bare CR or LF,
/// a NUL or a line over 998 octets, or over the size limit; an address,
/// host name, date or message id that is empty, too long or not printable
/// US-ASCII.
ocp::Expected<std::optional<TraceNotification>, PolicyError> build_trace_notification(
    const TraceNotificationInput& input);

}  // namespace opes::processor
