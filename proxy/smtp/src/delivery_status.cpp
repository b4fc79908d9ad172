#include "opes/smtp/delivery_status.hpp"

#include <algorithm>

#include "ascii.hpp"
#include "ocp/smtp/xtext.hpp"

namespace opes::smtp {

namespace {

using namespace std::chrono;

// RFC 5322 §2.1.1: a line is at most 998 octets without its CRLF, and
// SHOULD be at most 78.
constexpr std::size_t kMaxLine = 998;
constexpr std::size_t kFoldAt = 78;
// Our bound on one field's value (a remote's reply, an address): the
// report is for people and programs, not a copy of whatever was sent.
constexpr std::size_t kMaxValue = 2000;
// RFC 2046 §5.1.1: a boundary is at most 70 characters.
constexpr std::size_t kMaxBoundaryId = 48;

/// What may go into a field or the text part: printable US-ASCII, line
/// breaks and other controls as one space, runs of spaces as one (RFC 5322
/// §3.2.2: a folded line must not be white space only), octets >= 0x80 as
/// "?" (message/delivery-status is US-ASCII, RFC 3464 §2.1.1), bounded.
std::string sanitized(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (out.size() >= kMaxValue) {
      out += "...";
      break;
    }
    const auto octet = static_cast<unsigned char>(c);
    if (octet < 0x20 || octet == 0x7f) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (octet >= 0x80) {
      out += '?';
    } else if (c != ' ' || (!out.empty() && out.back() != ' ')) {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// `text` (sanitized: single spaces) in lines of at most 78 octets where a
/// space allows, never over 998: a word too long for that is cut. A header
/// field folds before the space (RFC 5322 §3.2.2, the space starts the next
/// line); the text part drops it. `keep` octets at the start are not split
/// (a field's name). Each line ends in CRLF.
std::string folded(std::string_view text, bool header, std::size_t keep = 0) {
  std::string out;
  while (text.size() > kFoldAt) {
    std::size_t split = text.rfind(' ', kFoldAt);
    if (split == std::string_view::npos || split <= keep) split = text.find(' ', keep + 1);
    if (split == std::string_view::npos || split > kMaxLine) {
      // One word longer than a line: cut it and go on after it.
      out.append(text.substr(0, kMaxLine)).append("\r\n");
      const std::size_t next = text.find(' ', kMaxLine);
      if (next == std::string_view::npos) return out;
      text = text.substr(header ? next : next + 1);
    } else {
      out.append(text.substr(0, split)).append("\r\n");
      text = text.substr(header ? split : split + 1);
    }
    keep = 0;
  }
  if (!text.empty()) out.append(text).append("\r\n");
  return out;
}

std::string field(std::string_view name, std::string_view value) {
  const std::string line = std::string(name) + ": " + sanitized(value);
  return folded(line, true, name.size() + 1);
}

/// RFC 5322 §3.3 date-time in UTC, with English names (no locale).
std::string date_time(system_clock::time_point when) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = floor<std::chrono::days>(when);
  const year_month_day date(day);
  const hh_mm_ss time(floor<seconds>(when - day));
  auto two = [](long value) { return std::string(value < 10 ? "0" : "") + std::to_string(value); };
  return std::string(days[weekday(day).c_encoding()]) + ", " +
         two(static_cast<unsigned>(date.day())) + " " +
         months[static_cast<unsigned>(date.month()) - 1] + " " +
         std::to_string(static_cast<int>(date.year())) + " " + two(time.hours().count()) + ":" +
         two(time.minutes().count()) + ":" + two(time.seconds().count()) + " +0000";
}

/// The value of `keyword` among space-separated ESMTP parameters, as sent.
std::optional<std::string_view> parameter(std::string_view parameters, std::string_view keyword) {
  while (!parameters.empty()) {
    const std::size_t space = parameters.find(' ');
    const std::string_view token = parameters.substr(0, space);
    parameters =
        space == std::string_view::npos ? std::string_view() : parameters.substr(space + 1);
    const std::size_t equals = token.find('=');
    if (detail::iequals(token.substr(0, equals), keyword))
      return equals == std::string_view::npos ? std::string_view() : token.substr(equals + 1);
  }
  return std::nullopt;
}

/// RFC 3461 §4.1: NOTIFY="NEVER" / 1#("SUCCESS" / "FAILURE" / "DELAY");
/// without it the MTA's default, here FAILURE and DELAY (§4.1 allows either
/// FAILURE or FAILURE,DELAY).
bool wants(const DsnRecipient& recipient) {
  const auto notify = parameter(recipient.dsn_parameters, "NOTIFY");
  if (!notify) return true;
  const std::string_view event = recipient.action == DsnAction::failed ? "FAILURE" : "DELAY";
  std::string_view list = *notify;
  while (true) {
    const std::size_t comma = list.find(',');
    if (detail::iequals(list.substr(0, comma), event)) return true;
    if (comma == std::string_view::npos) return false;
    list = list.substr(comma + 1);
  }
}

/// xtext decoded (RFC 3461 §4: ENVID and ORCPT are xtext in the envelope,
/// the DSN carries what they encode); the value as sent if it is not xtext.
std::string decoded(std::string_view xtext) {
  auto text = ocp::smtp::decode_xtext(xtext);
  return text ? *text : std::string(xtext);
}

/// RFC 3463 §2: class "." subject "." detail, 1-3 digits after the class.
bool is_status(std::string_view status) {
  if (status.size() < 5 || (status[0] != '2' && status[0] != '4' && status[0] != '5') ||
      status[1] != '.')
    return false;
  std::size_t digits = 0;
  std::size_t dots = 0;
  for (const char c : status.substr(2)) {
    if (c == '.') {
      if (digits == 0 || ++dots > 1) return false;
      digits = 0;
    } else if (!detail::is_digit(c) || ++digits > 3) {
      return false;
    }
  }
  return dots == 1 && digits > 0;
}

/// The Message-ID's left side: RFC 5322 atext and ".", anything else as
/// "-"; the boundary's (`boundary`): RFC 2046 §5.1.1 bchars only.
std::string id_text(std::string_view text, bool boundary = false) {
  const std::string_view others = boundary ? "'()+_,-./:=?" : "!#$%&'*+-/=?^_`{|}~.";
  std::string out;
  for (const char c : text)
    out += detail::is_alnum(c) || others.find(c) != std::string_view::npos ? c : '-';
  return out.empty() ? std::string("dsn") : out;
}

/// The header section of a CRLF message: up to the empty line, its CRLF
/// kept; the whole of it when there is no body.
std::string_view header_section(std::string_view message) {
  if (message.substr(0, 2) == "\r\n") return {};
  const std::size_t end = message.find("\r\n\r\n");
  return end == std::string_view::npos ? message : message.substr(0, end + 2);
}

bool has_eight_bit(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return detail::is_non_ascii(c); });
}

std::string people_text(const DsnRequest& request,
                        const std::vector<const DsnRecipient*>& recipients) {
  const bool failed = std::any_of(recipients.begin(), recipients.end(), [](const DsnRecipient* r) {
    return r->action == DsnAction::failed;
  });
  const bool delayed = std::any_of(recipients.begin(), recipients.end(), [](const DsnRecipient* r) {
    return r->action == DsnAction::delayed;
  });
  std::string text =
      folded("This is the mail system at " + sanitized(request.reporting_mta) + ".", false);
  text += "\r\n";
  if (failed) text += folded("Your message could not be delivered to the recipients below.", false);
  if (delayed) {
    std::string line =
        "Your message has not been delivered yet to the recipients below; it will be retried";
    if (request.retry_until) line += " until " + date_time(*request.retry_until);
    text += folded(line + ". You need not send it again.", false);
  }
  if (const std::string why = sanitized(request.explanation); !why.empty())
    text += folded(why, false);
  text += "\r\n";
  for (const DsnRecipient* recipient : recipients) {
    const std::string& why =
        recipient->diagnostic.empty() ? recipient->status : recipient->diagnostic;
    text += folded(sanitized("<" + recipient->address + ">: " + why), true);
  }
  return text;
}

std::string delivery_status(const DsnRequest& request,
                            const std::vector<const DsnRecipient*>& recipients) {
  // RFC 3464 §2.2: the per-message fields.
  std::string text = field("Reporting-MTA", "dns; " + request.reporting_mta);
  // RFC 3461 §6.3 (a): the ENVID, decoded, when MAIL had one.
  if (const auto envid = parameter(request.sender_dsn_parameters, "ENVID");
      envid && !envid->empty())
    text += field("Original-Envelope-Id", decoded(*envid));
  text += field("Arrival-Date", date_time(request.arrival));
  // RFC 3464 §2.3: a block per recipient, each after an empty line.
  for (const DsnRecipient* recipient : recipients) {
    text += "\r\n";
    // RFC 3461 §6.3 (d): Original-Recipient from ORCPT and only from it,
    // "addr-type;xtext" decoded; one without a type (RCPT should have
    // refused it) would not be a field of RFC 3464 §2.3.1's syntax.
    if (const auto orcpt = parameter(recipient->dsn_parameters, "ORCPT")) {
      const std::size_t semicolon = orcpt->find(';');
      if (semicolon != std::string_view::npos && semicolon > 0)
        text += field("Original-Recipient", std::string(orcpt->substr(0, semicolon)) + ";" +
                                                decoded(orcpt->substr(semicolon + 1)));
    }
    text += field("Final-Recipient", "rfc822;" + recipient->address);
    const bool failed = recipient->action == DsnAction::failed;
    text += field("Action", failed ? "failed" : "delayed");
    // RFC 3464 §2.3.4: the status is required; one that is not RFC 3463's
    // form becomes the action's generic code.
    text += field("Status", is_status(recipient->status) ? recipient->status
                            : failed                     ? "5.0.0"
                                                         : "4.0.0");
    if (!recipient->remote_mta.empty())
      text += field("Remote-MTA", "dns; " + recipient->remote_mta);
    if (!recipient->diagnostic.empty())
      text += field("Diagnostic-Code", "smtp; " + recipient->diagnostic);
    if (!failed && request.retry_until)
      text += field("Will-Retry-Until", date_time(*request.retry_until));
  }
  return text;
}

}  // namespace

std::optional<DsnMessage> make_dsn(const DsnRequest& request) {
  // RFC 5321 §4.5.5 / RFC 3461 §6.2: nothing goes to the null reverse-path.
  if (request.sender.empty()) return std::nullopt;
  std::vector<const DsnRecipient*> recipients;
  for (const DsnRecipient& recipient : request.recipients)
    if (wants(recipient)) recipients.push_back(&recipient);
  if (recipients.empty()) return std::nullopt;
  const bool any_failed =
      std::any_of(recipients.begin(), recipients.end(),
                  [](const DsnRecipient* r) { return r->action == DsnAction::failed; });

  // RFC 3461 §4.3: RET=FULL returns the message, RET=HDRS (or none: the
  // MTA's choice, §6.3) the header section only.
  const auto ret = parameter(request.sender_dsn_parameters, "RET");
  const bool full = ret && detail::iequals(*ret, "FULL");
  const std::string_view returned = full ? request.original : header_section(request.original);
  const bool eight_bit = has_eight_bit(returned);

  const std::string text = people_text(request, recipients);
  const std::string status = delivery_status(request, recipients);
  // RFC 2046 §5.1.1: the boundary must not occur in any part. "=_" cannot
  // start a line of quoted-printable or base64 text; the counter moves on
  // until none of the parts holds the candidate.
  const std::string id = id_text(request.unique);
  const std::string stem = "=_dsn_" + id_text(request.unique, true).substr(0, kMaxBoundaryId);
  std::string boundary = stem;
  for (unsigned attempt = 1;
       text.find(boundary) != std::string::npos || status.find(boundary) != std::string::npos ||
       returned.find(boundary) != std::string_view::npos;
       ++attempt)
    boundary = stem + "_" + std::to_string(attempt);

  DsnMessage message;
  message.recipient = request.sender;
  message.eight_bit = eight_bit;
  std::string& out = message.content;
  out += "From: Mail Delivery System <MAILER-DAEMON@" + sanitized(request.reporting_mta) + ">\r\n";
  out += field("To", "<" + request.sender + ">");
  out += field("Subject", any_failed ? "Undelivered Mail Returned to Sender"
                                     : "Delayed Mail (still being retried)");
  out += field("Date", date_time(request.now));
  out += field("Message-ID", "<" + id + "@" + request.reporting_mta + ">");
  out += "MIME-Version: 1.0\r\n";
  // RFC 3834 §5: an automatic response; vacation and other responders
  // must not answer it.
  out += "Auto-Submitted: auto-replied\r\n";
  // RFC 6522 §3: multipart/report, its report-type the second part's.
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" +
         boundary + "\"\r\n";
  // RFC 2045 §6.4: a multipart is labelled with the widest encoding of its
  // parts.
  if (eight_bit) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\nThis is a MIME-encapsulated message.\r\n";

  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  out += text;
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n";
  out += status;
  out += "\r\n--" + boundary + "\r\n";
  out += full ? "Content-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n"
              : "Content-Description: Undelivered Message Headers\r\nContent-Type: "
                "text/rfc822-headers\r\n";
  // RFC 2046 §5.2.1: message/rfc822 may be 7bit, 8bit or binary, never
  // encoded; 8bit is what the original came as (8BITMIME, or RFC 6532 UTF-8
  // header fields). Its lines are returned as they came, even over 998.
  if (eight_bit) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n";
  out.append(returned);
  out += "\r\n--" + boundary + "--\r\n";
  return message;
}

}  // namespace opes::smtp
