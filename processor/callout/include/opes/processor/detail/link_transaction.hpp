#pragma once
// CalloutLink's record of one open transaction. Not part of the interface.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "ocp/smtp/am_option.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/part_sequence.hpp"
#include "ocp/types.hpp"
#include "opes/processor/link_settings.hpp"

namespace opes::processor::detail {

/// An adaptive part instance sent, its answer not begun yet.
struct AwaitedAnswer {
  ocp::smtp::AmPart part;
  TimePoint since;
  bool command = true;  // answered at once; content parts after our AME
};

/// Original octets not yet handed to the engine: a DUM to be. A piece of a
/// part that can span DUMs stays open for more octets of the same instance
/// until it is full or something follows it.
struct OutgoingPiece {
  ocp::smtp::AmPart part;
  bool adaptive = false;
  bool sealed = false;
  std::string bytes;
};

struct LinkTransaction {
  LinkTransaction(ocp::Xid id, const ocp::smtp::SmtpProfile& profile,
                  std::vector<ocp::smtp::AmOption> options)
      : xid(id),
        original(profile, ocp::smtp::Dataflow::original),
        adapted(profile, ocp::smtp::Dataflow::adapted),
        meta(std::move(options)) {}

  ocp::Xid xid;
  ocp::smtp::PartSequence original;
  ocp::smtp::PartSequence adapted;
  std::vector<ocp::smtp::AmOption> meta;  // smtp §3.4.3: on the first DUM
  bool meta_sent = false;

  std::deque<OutgoingPiece> outbox;
  bool end_requested = false;  // end_original() called
  bool end_sent = false;       // our AME written
  std::optional<TimePoint> original_ended;

  std::deque<AwaitedAnswer> awaited;
  std::optional<ocp::smtp::AmPart> last_answered;  // the part of the previous adapted DUM
  bool adapted_ended = false;
};

}  // namespace opes::processor::detail
