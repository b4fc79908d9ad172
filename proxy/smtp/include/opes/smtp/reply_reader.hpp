#pragma once
// The upstream side's reply parser (RFC 5321 §4.2): fed bytes as they come,
// it yields complete replies, multi-line ones (`250-...` then `250 ...`)
// gathered into one ocp::smtp::Reply.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "ocp/smtp/reply.hpp"

namespace opes::smtp {

struct ReplyReaderLimits {
  /// RFC 5321 §4.5.3.1.5 says 512 octets with CRLF; real servers send
  /// longer texts, so 1000 as for text lines.
  std::size_t max_line_length = 1000;
  std::size_t max_lines = 200;  // per reply; EHLO replies are the longest
};

/// A malformed reply, e.g. "upstream sent a reply line without a 3-digit code".
struct ReplyError {
  std::string reason;
};

class ReplyReader {
 public:
  explicit ReplyReader(ReplyReaderLimits limits = {}) : limits_(limits) {}

  void receive(std::string_view bytes);

  /// The next complete reply, nullopt while it is incomplete. A malformed
  /// reply leaves the connection out of step: the error sticks.
  ocp::Expected<std::optional<ocp::smtp::Reply>, ReplyError> next();

  /// Octets received but not yet part of a returned reply.
  std::size_t buffered() const noexcept { return buffer_.size() - start_; }

 private:
  ocp::Expected<bool, ReplyError> take_line(std::string_view line);  // true: reply complete

  ReplyReaderLimits limits_;
  std::string buffer_;
  std::size_t start_ = 0;
  ocp::smtp::Reply current_;
  std::optional<ReplyError> error_;
};

}  // namespace opes::smtp
