#pragma once
// smtp §3.2.1 and §3.3.1: the application message parts of one dataflow of
// one OCP transaction, checked DUM by DUM against the negotiated profile.

#include <optional>
#include <string>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/smtp_profile.hpp"

namespace ocp::smtp {

/// RFC 4037 dataflows of a transaction.
enum class Dataflow {
  original,  // processor to callout server: adaptive and informative parts
  adapted,   // callout server to processor: adaptive parts only
};

enum class PartSequenceRule {
  not_negotiated,        // smtp §3.2.3/§3.2.4; A-28 for the adapted dataflow
  mutually_exclusive,    // smtp §3.2.1
  out_of_order,          // smtp §3.2.1, RFC 2821 §4.1.4
  repeated_part,         // a part that occurs once per transaction, again
  split_part,            // smtp §3.3.1: a part that must fit in one DUM continued
  continues_other_part,  // a continuation whose part differs from the previous DUM's
};

struct PartSequenceViolation {
  PartSequenceRule rule = PartSequenceRule::not_negotiated;
  AmPart part = AmPart::rawdata;  // (a default only because ocp::Expected<void, E> needs one)
  std::optional<AmPart> earlier;  // the previous or conflicting part, when there is one

  /// "smtp §3.2.1: MAIL after RCPT is out of SMTP order"
  std::string describe() const;
};

class PartSequence {
 public:
  PartSequence(const SmtpProfile& negotiated, Dataflow dataflow);

  /// The AM-Part of the next DUM, and whether that DUM carries more of the
  /// part the previous DUM carried (true) or starts a new part (false).
  /// On a violation nothing is recorded.
  Expected<void, PartSequenceViolation> accept(const AmPart& part, bool continues_previous);

  /// For a receiver, who cannot tell from the wire whether a DUM continues
  /// a part: a DUM continues the previous one when both carry the same part
  /// and that part may span DUMs. (Two SECTIONS or two pieces of one section
  /// look alike; both are valid.)
  Expected<void, PartSequenceViolation> accept_received(const AmPart& part);

  /// Whether a DUM of this part has been accepted.
  bool seen(const AmPart& part) const noexcept { return contains(seen_, part); }
  /// Parts accepted, each once, in the order first seen.
  const std::vector<AmPart>& parts() const noexcept { return seen_; }

 private:
  std::vector<AmPart> allowed_;
  std::vector<AmPart> seen_;
  std::optional<AmPart> previous_;
  std::optional<AmPart> last_ordered_;  // the last part that has an smtp_order
};

}  // namespace ocp::smtp
