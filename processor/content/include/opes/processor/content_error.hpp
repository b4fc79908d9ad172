#pragma once
// Why the processor cannot go on with a message's content: a limit the
// original message breaks, an answer from the callout server that does not
// fit what was sent, or the spill file failing. The transaction fails with
// `reason`.

#include <cstdint>
#include <string>

namespace opes::processor {

struct ContentError {
  enum class Kind : std::uint8_t {
    /// The original message breaks a SplitterLimits/PrependerLimits limit.
    limit_exceeded,
    /// The ContentLayout cannot be built from the profile.
    bad_layout,
    /// An answer for a part or instance the processor did not send adaptive,
    /// or answers out of the order sent.
    unexpected_answer,
    /// A SINGLEHEADERS answer that is not header fields.
    malformed_answer,
    /// answers_finished() before every adaptive instance got its answer.
    missing_answer,
    /// The caller broke the API's order (a piece after original_finished()).
    misuse,
    /// The spill file could not be created, written or read.
    spill_failed,
  };

  Kind kind = Kind::misuse;
  std::string reason;  // "header field exceeds 65536 octets (max_header_field)"

  friend bool operator==(const ContentError&, const ContentError&) = default;
};

}  // namespace opes::processor
