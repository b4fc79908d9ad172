#pragma once
// RFC 5321 §4.1.1.4 and §4.5.2: the mail data after a 354 reply, read as it
// arrives. The end is `CRLF . CRLF` and nothing else (a lone `.CRLF` right
// after the 354); a line starting with "." loses that dot. Bare CR and bare
// LF are refused rather than read as line ends (RFC 5321 §2.3.8; SMTP
// smuggling, cf. Postfix smtpd_forbid_bare_newline), so a message cannot end
// differently here than in the MTA behind us.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/smtp/reply.hpp"

namespace opes::smtp {

struct DataLimits {
  /// RFC 5321 §4.5.3.1.6: 1000 octets per text line, CRLF included, counted
  /// as sent (dot-stuffed); 0 = unlimited.
  std::size_t max_line_length = 1000;
  /// RFC 1870: the SIZE limit, counted on the unstuffed content; 0 = unlimited.
  std::uint64_t max_message_size = 0;
};

enum class DataViolation { none, message_too_big, line_too_long, bare_lf, bare_cr };

class DataReader {
 public:
  explicit DataReader(DataLimits limits = {}) : limits_(limits) {}

  /// Reads wire octets; appends the unstuffed content (CRLFs kept, the final
  /// "." line left out) to `content` and returns how many octets it used. It
  /// stops right after the final CRLF . CRLF, or once `content` holds at
  /// least `room` octets (it may pass it by the one CRLF octet), so where it
  /// stops depends on the content, never on how the input was split. After a
  /// violation it appends nothing more but keeps reading to the end.
  std::size_t read(std::string_view wire, std::string& content, std::size_t room);

  bool finished() const noexcept { return state_ == State::done; }
  DataViolation violation() const noexcept { return violation_; }
  /// Unstuffed octets of content up to the end or the first violation.
  std::uint64_t content_size() const noexcept { return content_size_; }
  /// The reply refusing the message for its violation, if any: 552 5.3.4
  /// too big (RFC 1870 §6.1), 500 5.6.0 line too long (RFC 5321 §4.5.3.1.10),
  /// 550 5.6.0 bare CR or LF.
  std::optional<ocp::smtp::Reply> refusal(bool enhanced_status_codes = true) const;

 private:
  enum class State { line_start, dot_at_start, dot_cr, in_line, cr, done };

  void violate(DataViolation violation) noexcept;
  void append(std::string& content, std::string_view octets);
  void step(char octet, std::string& content);

  DataLimits limits_;
  State state_ = State::line_start;
  DataViolation violation_ = DataViolation::none;
  std::size_t line_octets_ = 0;
  std::uint64_t content_size_ = 0;
};

}  // namespace opes::smtp
