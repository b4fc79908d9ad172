#pragma once
// Why a CalloutLink command was refused. Nothing was sent for it. These are
// the caller's mistakes or the link's state, never the peer's doing: what
// the callout server does arrives as events.

#include <string>
#include <string_view>

namespace opes::processor {

enum class LinkErrorCode {
  not_ready,              // negotiation or the service groups are not done yet
  link_failed,            // the link failed (failure() says why)
  closing,                // close() was called
  unknown_group,          // no service group with that index
  too_many_transactions,  // LinkSettings::max_open_transactions
  unknown_transaction,    // never begun on this link
  transaction_ended,      // ended by the callout server, a timeout or a violation
  original_ended,         // data or AME after end_original()
  part_out_of_order,      // ocp::smtp::PartSequence refused the part (smtp §3.2.1, §3.3.1)
  part_too_large,         // a part that cannot span DUMs is larger than max_dum_payload
  output_full,            // output_size() would pass max_output_bytes
  invalid_meta,           // AM-OPT items that A-22 does not allow
  refused_by_engine,      // the OCP engine refused the command
};

struct LinkError {
  LinkErrorCode code = LinkErrorCode::link_failed;
  std::string reason;
};

std::string_view to_string(LinkErrorCode code) noexcept;

}  // namespace opes::processor
