#pragma once
// RFC 5321 §4.1.1.4 and §4.5.2: the mail data after a 354 reply, read as it
// arrives. The end is `CRLF . CRLF` and nothing else (a lone `.CRLF` right
// after the 354); a line starting with "." loses that dot. A bare CR or a
// bare LF (RFC 5321 §2.3.8) is never part of an end: by default it refuses
// the message, or with BareLineEndings::normalize it ends a content line and
// becomes CRLF. Either way the end is the first CR LF . CR LF of the wire,
// so a message cannot end differently here than in an MTA before or behind
// us (SMTP smuggling, cf. Postfix smtpd_forbid_bare_newline).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/smtp/reply.hpp"

namespace opes::smtp {

/// What a bare CR or bare LF in the message data does.
enum class BareLineEndings {
  reject,     // the message is refused (550 5.6.0) after its final dot
  normalize,  // it ends the content line and is handed on as CRLF
};

struct DataLimits {
  /// RFC 5321 §4.5.3.1.6: 1000 octets per text line, CRLF included, "not
  /// counting the leading dot duplicated for transparency" (so counted
  /// unstuffed, a normalized line end as the CRLF it becomes); 0 = unlimited.
  std::size_t max_line_length = 1000;
  /// RFC 1870: the SIZE limit, counted on the unstuffed content; 0 = unlimited.
  std::uint64_t max_message_size = 0;
  BareLineEndings bare_line_endings = BareLineEndings::reject;
};

enum class DataViolation { none, message_too_big, line_too_long, bare_lf, bare_cr, nul };

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
  /// The size of the whole message as the client sent it: unstuffed
  /// content octets, normalized line ends as CRLF, counted on past a
  /// violation (a refused bare CR, bare LF or NUL as one octet). What the
  /// log reports, refused or not.
  std::uint64_t message_size() const noexcept { return message_size_; }
  /// The reply refusing the message for its violation, if any (codes for
  /// the reply after the final dot, RFC 5321 §4.3.2, never the 500s of
  /// command syntax): 552 5.3.4 too big (RFC 1870 §6.1, RFC 3463 X.3.4),
  /// 550 5.6.0 a line too long, a bare CR or LF, a NUL (RFC 3463 X.6.0,
  /// media error; RFC 2045 §2.7, §2.8: no NUL in 7bit or 8bit data).
  std::optional<ocp::smtp::Reply> refusal(bool enhanced_status_codes = true) const;

 private:
  enum class State { line_start, dot_at_start, dot_cr, in_line, cr, done };

  void violate(DataViolation violation) noexcept;
  void append(std::string& content, std::string_view octets);
  /// Adds octets to the current line's length and checks the limit.
  void count(std::size_t octets) noexcept;
  /// A line ends with a real CRLF (bare = false) or a normalized bare one.
  void end_line(std::string& content, bool bare);
  /// A bare CR or LF at the current octet: refused, or normalized.
  bool normalizing() const noexcept {
    return limits_.bare_line_endings == BareLineEndings::normalize;
  }
  /// false: the octet is not used yet and must be stepped again (a line
  /// ended before it, and `room` is checked first).
  bool step(char octet, std::string& content);

  DataLimits limits_;
  State state_ = State::line_start;
  DataViolation violation_ = DataViolation::none;
  std::size_t line_octets_ = 0;
  /// The current line began after a normalized bare CR or LF: a "." line
  /// here is content, not the end (only CR LF . CR LF ends the data).
  bool after_bare_end_ = false;
  std::uint64_t content_size_ = 0;
  std::uint64_t message_size_ = 0;
};

}  // namespace opes::smtp
