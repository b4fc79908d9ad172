#pragma once
// Delivery status notifications (RFC 3464) the gateway writes itself: a
// held message bounced by the ODMR customer or past its lifetime, and the
// optional delay warning. Free of I/O; the result is sent like any
// generated message, from the null reverse-path (RFC 5321 §4.5.5, so a DSN
// is never answered by another) to the original sender.
//
//   multipart/report; report-type=delivery-status (RFC 6522)
//     1. text/plain for people
//     2. message/delivery-status: per-message fields (Reporting-MTA,
//        Original-Envelope-Id, Arrival-Date), then per recipient
//        (Original-Recipient, Final-Recipient, Action, Status,
//        Remote-MTA, Diagnostic-Code, Will-Retry-Until for delays)
//     3. text/rfc822-headers (RET=HDRS or none) or message/rfc822 (RET=FULL)
//
// RFC 3461: a recipient whose NOTIFY excludes the event (NOTIFY=NEVER, or
// no FAILURE / no DELAY) is left out; with none left no DSN is due. The
// null sender never gets one.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opes::smtp {

enum class DsnAction { failed, delayed };

struct DsnRecipient {
  std::string address;  // the forward-path, without brackets
  /// The recipient's DSN parameters as the client sent them ("NOTIFY=FAILURE
  /// ORCPT=rfc822;a@b.example"); "" none: RFC 3461 §4.1 default (FAILURE, DELAY).
  std::string dsn_parameters;
  DsnAction action = DsnAction::failed;
  std::string status = "5.0.0";  // RFC 3463
  /// The remote's reply ("550 5.1.1 no such user"), sent as "smtp; ..."; "" none.
  std::string diagnostic;
  std::string remote_mta;  // "customer.example" / "[192.0.2.7]"; "" none
};

struct DsnRequest {
  std::string reporting_mta;  // our host name, also the Message-ID's right side
  std::string sender;         // the original reverse-path; "" (null) gets no DSN
  /// The MAIL's DSN parameters as sent ("RET=FULL ENVID=x", RFC 3461 §4.3, §4.4).
  std::string sender_dsn_parameters;
  std::vector<DsnRecipient> recipients;
  std::chrono::system_clock::time_point arrival;
  std::chrono::system_clock::time_point now;
  /// For delays: Will-Retry-Until.
  std::optional<std::chrono::system_clock::time_point> retry_until;
  /// Why, for the text part: "The customer's server refused it." etc.
  std::string explanation;
  /// The original message (header section and body, CRLF); only its header
  /// section is returned unless RET=FULL.
  std::string_view original;
  /// The Message-ID's left side (unique per DSN).
  std::string unique;
};

struct DsnMessage {
  std::string recipient;  // the original sender
  std::string content;    // header section and body, CRLF, not dot-stuffed
  /// The returned original holds octets >= 0x80 (its part and the whole are
  /// labelled 8bit): send it with BODY=8BITMIME (RFC 6152), or not at all to
  /// a server that lacks it. Everything the gateway writes itself is ASCII.
  bool eight_bit = false;
};

/// nullopt when no DSN is due (null sender, or NOTIFY leaves every recipient out).
std::optional<DsnMessage> make_dsn(const DsnRequest& request);

}  // namespace opes::smtp
