#include "ocp/smtp/part_sequence.hpp"

namespace ocp::smtp {

namespace {

Unexpected<PartSequenceViolation> broken(PartSequenceRule rule, const AmPart& part,
                                         std::optional<AmPart> earlier = std::nullopt) {
  return unexpected(PartSequenceViolation{rule, part, std::move(earlier)});
}

}  // namespace

std::string PartSequenceViolation::describe() const {
  const std::string name(part.token());
  const std::string other = earlier ? std::string(earlier->token()) : std::string("?");
  switch (rule) {
    case PartSequenceRule::not_negotiated:
      return "smtp §3.2.3/§3.2.4: " + name + " was not negotiated for this dataflow";
    case PartSequenceRule::mutually_exclusive:
      return "smtp §3.2.1: " + name + " and " + other +
             " are mutually exclusive in one transaction";
    case PartSequenceRule::out_of_order:
      return "smtp §3.2.1: " + name + " after " + other + " is out of SMTP order (RFC 2821 §4.1.4)";
    case PartSequenceRule::repeated_part:
      return "smtp §3.2.1: " + name + " occurs once per transaction but comes again";
    case PartSequenceRule::split_part:
      return "smtp §3.3.1: " + name + " must be sent in a single DUM";
    case PartSequenceRule::continues_other_part:
      return "smtp §3.3.1: a DUM continuing " + other + " carries " + name;
  }
  return "SMTP part order violated";
}

PartSequence::PartSequence(const SmtpProfile& negotiated, Dataflow dataflow)
    : allowed_(negotiated.adaptive_parts) {
  // the adapted dataflow carries adaptive parts only.
  if (dataflow == Dataflow::original) {
    allowed_.insert(allowed_.end(), negotiated.informative_parts.begin(),
                    negotiated.informative_parts.end());
  }
}

Expected<void, PartSequenceViolation> PartSequence::accept(const AmPart& part,
                                                           bool continues_previous) {
  if (!contains(allowed_, part)) return broken(PartSequenceRule::not_negotiated, part);

  if (continues_previous) {
    if (!previous_ || *previous_ != part) {
      return broken(PartSequenceRule::continues_other_part, part, previous_);
    }
    // smtp §3.3.1: "All other application message parts MUST each be sent in
    // a single DUM message."
    if (!part.can_span_dums()) return broken(PartSequenceRule::split_part, part);
    return {};
  }

  // smtp §3.2.1: mutually exclusive "within one OCP transaction".
  for (const AmPart& earlier : seen_) {
    if (mutually_exclusive(earlier, part))
      return broken(PartSequenceRule::mutually_exclusive, part, earlier);
  }
  if (seen(part) && !part.is_repeatable()) return broken(PartSequenceRule::repeated_part, part);
  // smtp §3.2.1: "The order of application message parts in OCP transaction
  // MUST follow the order of commands in the SMTP transaction".
  const auto rank = smtp_order(part);
  if (rank && last_ordered_) {
    const unsigned last = *smtp_order(*last_ordered_);
    if (*rank < last || (*rank == last && *last_ordered_ != part)) {
      return broken(PartSequenceRule::out_of_order, part, last_ordered_);
    }
  }

  if (rank) last_ordered_ = part;
  if (!seen(part)) seen_.push_back(part);
  previous_ = part;
  return {};
}

Expected<void, PartSequenceViolation> PartSequence::accept_received(const AmPart& part) {
  const bool continues = previous_ && *previous_ == part && part.can_span_dums();
  return accept(part, continues);
}

}  // namespace ocp::smtp
