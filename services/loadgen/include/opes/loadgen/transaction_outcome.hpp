#pragma once
// What the callout server answered for one transaction, reconstructed from
// its adapted dataflow: per adaptive part the SMTP reply (SMTP-Error), the
// final content (DUM payloads and DUY-referenced original octets), the
// header fields to add (Add-Header) and the advice (Advice), plus how the
// transaction ended.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ocp/smtp/advice.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/header_field.hpp"
#include "ocp/smtp/reply.hpp"
#include "ocp/types.hpp"

namespace opes::loadgen {

/// One adaptive part instance the processor sent, and the answer to it.
/// (Members default-initialised with {} so that designated initializers may
/// leave them out without -Wmissing-field-initializers.)
struct PartOutcome {
  ocp::smtp::AmPart part;
  std::string original{};  // what the processor sent

  /// The server said anything about the part (a DUM or a DUY).
  bool answered = false;
  std::optional<ocp::smtp::Reply> reply{};  // smtp §3.3.3 SMTP-Error
  std::string content{};                    // the adapted content, in adapted-flow order
  std::vector<ocp::smtp::HeaderField> added_headers{};  // smtp §3.3.5, in order received
  std::optional<ocp::smtp::Advice> advice{};

  /// How the content came back, in octets: by DUY (§11.10), by a DUM with
  /// As-is (§11.9), or as new data.
  std::size_t octets_by_reference = 0;
  std::size_t octets_as_is = 0;
  std::size_t octets_replaced = 0;

  /// Answered without a reply and with the original content, whichever way
  /// it travelled.
  bool unchanged() const { return answered && !reply && content == original; }
};

struct TransactionOutcome {
  std::size_t connection = 0;  // 0-based index of the load's connection
  std::size_t sequence = 0;    // 0-based, counted over the whole load
  ocp::Xid xid;

  /// The adaptive parts sent, in the order sent (MAIL, RCPT..., RAWDATA).
  std::vector<PartOutcome> parts;
  /// The server's AME result, when it sent one.
  std::optional<ocp::Result> adapted_end;
  /// The TE result (§11.6; absent on the wire = 200), or the reason the
  /// transaction ended otherwise (engine TE 400, CE, timeout).
  ocp::Result end = ocp::Result::failure("not ended");
  bool ended_by_server = false;  // a TE of the server's, not our engine's or a connection loss
  /// Anything the server sent that breaks the wire convention: a parameter
  /// without its type, an answer to a part that was not sent as adaptive.
  std::vector<std::string> problems;
  std::chrono::steady_clock::duration latency{};  // TS sent .. TE received

  /// TE 200 from the server and no problem seen.
  bool succeeded() const {
    return ended_by_server && end.code == ocp::Result::kOk && problems.empty();
  }

  const PartOutcome* find(const ocp::smtp::AmPart& part) const;
  /// One line for a failure report: sequence, xid, end result, problems.
  std::string describe() const;
};

}  // namespace opes::loadgen
