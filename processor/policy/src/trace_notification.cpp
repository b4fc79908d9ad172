#include "opes/processor/trace_notification.hpp"

#include <algorithm>
#include <cstdint>

#include "ascii.hpp"

namespace opes::processor {

namespace {

constexpr std::size_t kMaxLineLength = 998;       // RFC 5322 §2.1.1 MUST
constexpr std::size_t kPreferredLineLength = 78;  // RFC 5322 §2.1.1 SHOULD
constexpr std::size_t kMaxAddressLength = 254;    // RFC 5321 §4.5.3.1.3: path of 256 with <>
constexpr std::size_t kMaxHostNameLength = 255;   // RFC 1035 §2.3.4 (RFC 5321 §4.5.3.1.2)
constexpr std::size_t kMaxDateLength = 100;
constexpr std::size_t kMaxMessageIdLength = 250;

PolicyError error(std::string reason) {
  return PolicyError{std::move(reason)};
}

/// Printable US-ASCII, no SP unless allowed, within a size.
bool is_plain(std::string_view text, std::size_t max, bool space_allowed) noexcept {
  if (text.empty() || text.size() > max) return false;
  for (char c : text) {
    if (!detail::is_printable(c) || (c == ' ' && !space_allowed)) return false;
  }
  return true;
}

bool is_address(std::string_view text) noexcept {
  return is_plain(text, kMaxAddressLength, false) && text.find('@') != std::string_view::npos &&
         text.find_first_of("<>") == std::string_view::npos;
}

bool is_message_id(std::string_view text) noexcept {
  return is_plain(text, kMaxMessageIdLength, false) && text.size() >= 3 && text.front() == '<' &&
         text.back() == '>';
}

/// The header lines up to and including the CRLF of the last one; the
/// empty line and whatever follows it (the body) are left out.
ocp::Expected<std::string_view, PolicyError> header_lines(std::string_view section,
                                                          bool& eight_bit) {
  std::size_t end = 0;
  if (section.starts_with("\r\n")) {
    end = 0;
  } else {
    const std::size_t blank = section.find("\r\n\r\n");
    if (blank == std::string_view::npos) {
      return ocp::unexpected(error("the header section does not end with an empty line"));
    }
    end = blank + 2;
  }
  if (end + 2 > TraceNotificationInput::kMaxHeaderSectionLength) {
    return ocp::unexpected(error("the header section is longer than 262144 octets"));
  }
  const std::string_view lines = section.substr(0, end);
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const char c = lines[i];
    if (c == '\r') {
      if (i + 1 >= lines.size() || lines[i + 1] != '\n') {
        return ocp::unexpected(error("the header section holds a bare CR"));
      }
      if (i - line_start > kMaxLineLength) {
        return ocp::unexpected(error("a header line is longer than 998 octets"));
      }
      line_start = i + 2;
      ++i;
    } else if (c == '\n') {
      return ocp::unexpected(error("the header section holds a bare LF"));
    } else if (c == '\0') {
      return ocp::unexpected(error("the header section holds a NUL"));
    } else if (static_cast<unsigned char>(c) > 127) {
      eight_bit = true;
    }
  }
  return lines;
}

/// The unfolded body of the first field called `name` (RFC 5322 §2.2.3).
std::optional<std::string> field_body(std::string_view lines, std::string_view name) {
  std::size_t at = 0;
  while (at < lines.size()) {
    const std::size_t end = lines.find("\r\n", at);
    const std::string_view line = lines.substr(at, end - at);
    at = end + 2;
    const std::size_t colon = line.find(':');
    if (line.empty() || detail::is_wsp(line[0]) || colon == std::string_view::npos ||
        !detail::iequals(line.substr(0, colon), name)) {
      continue;
    }
    std::string body(line.substr(colon + 1));
    while (at < lines.size() && detail::is_wsp(lines[at])) {
      const std::size_t next = lines.find("\r\n", at);
      body += lines.substr(at, next - at);
      at = next + 2;
    }
    return body;
  }
  return std::nullopt;
}

/// One line of display text: controls become SP, 8-bit octets '?', runs of
/// white space one SP; trimmed; cut at a SP (or hard) past `max` with "...".
std::string sanitised(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    const auto octet = static_cast<unsigned char>(c);
    char shown = octet > 126 ? '?' : (octet < 32 ? ' ' : c);
    if (shown == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += shown;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > max) {
    const std::size_t space = out.rfind(' ', max);
    out.resize(space == std::string::npos || space == 0 ? max : space);
    out += "...";
  }
  return out;
}

/// Printable US-ASCII for the text part; anything else becomes '?'.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (!detail::is_printable(c)) c = '?';
  }
  return out;
}

/// RFC 5322 §2.2.3: an unstructured field folded before a SP where a line
/// would pass 78 octets. `text` has single spaces and no CR or LF.
std::string folded_field(std::string_view name, std::string_view text) {
  std::string out(name);
  out += ':';
  std::size_t line_length = out.size();
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t space = text.find(' ', at);
    const std::string_view word =
        text.substr(at, space == std::string_view::npos ? std::string_view::npos : space - at);
    if (at != 0 && line_length + 1 + word.size() > kPreferredLineLength) {
      out += "\r\n";
      line_length = 0;
    }
    out += ' ';
    out += word;
    line_length += 1 + word.size();
    if (space == std::string_view::npos) break;
    at = space + 1;
  }
  return out + "\r\n";
}

/// FNV-1a, 64 bits, of the notification's own Message-ID: a boundary
/// unique per notification and reproducible from the inputs.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string hex(std::uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 16; i-- > 0; value >>= 4) out[i] = kHex[value & 0xF];
  return out;
}

/// RFC 2046 §5.1.1: "the boundary delimiter MUST NOT appear inside any of
/// the encapsulated parts".
std::string boundary_for(std::string_view explanation, std::string_view headers,
                         std::string_view message_id) {
  const std::string base = "=_opes-trace_" + hex(fnv1a(message_id));
  std::string boundary = base;
  for (std::size_t n = 1;; ++n) {
    const std::string delimiter = "--" + boundary;
    if (explanation.find(delimiter) == std::string_view::npos &&
        headers.find(delimiter) == std::string_view::npos) {
      return boundary;
    }
    boundary = base + "." + std::to_string(n);
  }
}

std::string service_list(const std::vector<ServiceOutcome>& services,
                         ServiceOutcome::Action action) {
  std::string out;
  for (const ServiceOutcome& service : services) {
    if (service.action != action) continue;
    out += "  " + printable(service.name.substr(0, 64)) + " <" +
           printable(service.agent_id.substr(0, 512)) + ">\r\n";
  }
  return out.empty() ? "  (none)\r\n" : out;
}

/// The first whole lines of `lines` within `max` octets.
std::string_view cut_at_line(std::string_view lines, std::size_t max) noexcept {
  if (lines.size() <= max) return lines;
  const std::size_t last_end = lines.rfind("\r\n", max - 2);
  return last_end == std::string_view::npos ? std::string_view() : lines.substr(0, last_end + 2);
}

std::string explanation(const TraceNotificationInput& input, std::size_t included,
                        std::size_t total) {
  using Action = ServiceOutcome::Action;
  return "This is the OPES trace you asked for with the OPESTRACE parameter of\r\n"
         "MAIL FROM (draft-ietf-opes-smtp-00 section 4.2).\r\n"
         "\r\n"
         "OPES system: " +
         std::string(input.host_name) +
         "\r\n"
         "\r\n"
         "Services that ran:\r\n" +
         service_list(input.services, Action::ran) + "Services bypassed at your request:\r\n" +
         service_list(input.services, Action::bypassed) +
         "Services not bypassed, protected by policy:\r\n" +
         service_list(input.services, Action::bypass_refused) +
         "\r\n"
         "The attached part holds the header section of your message as it left\r\n"
         "this system, trace headers included. The body is not included.\r\n" +
         (included == total ? std::string()
                            : "The header section is shortened: the first " +
                                  std::to_string(included) + " of its " + std::to_string(total) +
                                  " octets are included.\r\n");
}

}  // namespace

ocp::Expected<std::optional<TraceNotification>, PolicyError> build_trace_notification(
    const TraceNotificationInput& input) {
  // RFC 3834 §2: never answer the null reverse-path.
  if (input.envelope_sender.empty()) return std::optional<TraceNotification>{};
  if (!is_address(input.envelope_sender)) {
    return ocp::unexpected(error("the envelope sender is not a printable US-ASCII address"));
  }
  if (!is_address(input.postmaster)) {
    return ocp::unexpected(error("the postmaster is not a printable US-ASCII address"));
  }
  if (!is_plain(input.host_name, kMaxHostNameLength, false)) {
    return ocp::unexpected(error("the host name is not printable US-ASCII of 1 to 255 octets"));
  }
  if (!is_plain(input.date, kMaxDateLength, true)) {
    return ocp::unexpected(error("the date is not printable US-ASCII of 1 to 100 octets"));
  }
  if (!is_message_id(input.message_id)) {
    return ocp::unexpected(error("the message id is not '<' printable US-ASCII '>'"));
  }
  if (input.max_header_octets < TraceNotificationInput::kMinHeaderOctets) {
    return ocp::unexpected(error("the header limit is under 1024 octets"));
  }
  TraceNotification notification;
  auto all_lines = header_lines(input.header_section, notification.eight_bit);
  if (!all_lines) return ocp::unexpected(std::move(all_lines).error());
  // Subject and Message-ID come from the whole section; the part repeats
  // only what fits.
  const std::string_view lines = *all_lines;
  const std::string_view included = cut_at_line(lines, input.max_header_octets);
  notification.header_octets = lines.size();
  notification.header_octets_included = included.size();
  notification.eight_bit = std::any_of(included.begin(), included.end(),
                                       [](char c) { return static_cast<unsigned char>(c) > 127; });

  std::string subject;
  if (auto original = field_body(lines, "Subject")) {
    subject = sanitised(*original, kMaxTracedSubjectLength);
  }
  const std::optional<std::string> original_id = field_body(lines, "Message-ID");
  const std::string references =
      original_id ? std::string(detail::trim_wsp(*original_id)) : std::string();
  if (subject.empty() && original_id) subject = sanitised(*original_id, kMaxTracedSubjectLength);
  if (subject.empty()) subject = "(no subject)";

  const std::string text = explanation(input, included.size(), lines.size());
  const std::string boundary = boundary_for(text, included, input.message_id);

  std::string& out = notification.content;
  out.reserve(included.size() + text.size() + 1024);
  out += "From: <" + std::string(input.postmaster) + ">\r\n";
  out += "To: <" + std::string(input.envelope_sender) + ">\r\n";
  out += folded_field("Subject", "OPES trace: " + subject);
  out += "Date: " + std::string(input.date) + "\r\n";
  out += "Message-ID: " + std::string(input.message_id) + "\r\n";
  if (is_message_id(references)) {
    out += "In-Reply-To: " + references + "\r\n";
    out += "References: " + references + "\r\n";
  }
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n";
  out += "\r\n";
  out += "This is a MIME-formatted message.\r\n";
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=us-ascii\r\n";
  out += "\r\n";
  out += text;
  out += "\r\n--" + boundary + "\r\n";
  // RFC 6522 §4: text/rfc822-headers carries the header section only.
  out += "Content-Type: text/rfc822-headers\r\n";
  if (notification.eight_bit) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n";
  out += included;
  out += "\r\n--" + boundary + "--\r\n";

  notification.recipient = std::string(input.envelope_sender);
  return std::optional<TraceNotification>(std::move(notification));
}

}  // namespace opes::processor
