#pragma once
// RFC 2045 §5.1 and RFC 2046 §5.1.1: the boundary of a multipart body, read
// from its Content-Type field, and the delimiter lines that cut the body
// into SECTIONS (P-4).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opes::processor {

/// RFC 2046 §5.1.1: "boundary := 0*69<bchars> bcharsnospace".
inline constexpr std::size_t kMaxBoundaryLength = 70;

/// The boundary parameter of a Content-Type field body (unfolded or not)
/// whose media type is `multipart/*` (case-insensitive), the value token or
/// quoted-string (quoted-pairs undone). nullopt for any other type, for a
/// missing, empty or over-long boundary, or for one with an octet outside
/// printable US-ASCII or a final space (P-5). RFC 822 comments are skipped;
/// RFC 2231 continuations are not read.
std::optional<std::string> multipart_boundary(std::string_view content_type_body);

/// What a line start holding `line` (the octets so far of one line, from
/// its first octet) is, as far as it can tell: RFC 2046 §5.1.1 `"--"
/// boundary [ "--" ] transport-padding CRLF`.
enum class DelimiterMatch : std::uint8_t {
  partial,    // still a prefix of a delimiter line: more octets needed
  mismatch,   // not a delimiter line
  delimiter,  // a complete dash-boundary line
  close,      // a complete close-delimiter line
};
/// `max_line` bounds the transport padding a line may carry.
DelimiterMatch match_delimiter_line(std::string_view line, std::string_view boundary,
                                    std::size_t max_line = 998);

/// The same, one octet at a time (constant work per octet), for a scanner
/// that meets the line in chunks.
class DelimiterLineMatcher {
 public:
  explicit DelimiterLineMatcher(std::string boundary, std::size_t max_line = 998);
  /// Back to the start of a line.
  void reset() noexcept;
  /// The next octet of the line; after a result other than `partial` call
  /// reset() before the next line.
  DelimiterMatch push(char c) noexcept;

 private:
  enum class State : std::uint8_t { dash_boundary, after_boundary, second_dash, padding, lf };
  std::string boundary_;
  std::size_t max_line_;
  std::size_t length_ = 0;
  State state_ = State::dash_boundary;
  bool close_ = false;
};

}  // namespace opes::processor
