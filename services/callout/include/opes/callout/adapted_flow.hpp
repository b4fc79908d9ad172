#pragma once
// The adapted dataflow of one transaction (draft-ietf-opes-smtp-00 §3.3,
// ocp-conformance A-28): how one PartAnswer goes on the wire. A changed part
// travels as DUMs with its new octets, a rejection as an empty DUM with
// SMTP-Error, an unchanged part as a DUY when the processor preserved its
// octets, else as DUMs with As-is. Add-Header and Advice ride on the first
// message of the answer.

#include <string>

#include "ocp/engine/connection.hpp"
#include "ocp/expected.hpp"
#include "ocp/smtp/allow_record.hpp"
#include "opes/callout/transaction_pipeline.hpp"

namespace opes::callout {

/// Adapted DUMs carry at most this many octets each.
inline constexpr std::size_t kMaxAdaptedChunk = 64u << 10;

/// Sends `answer` for transaction `xid`. Parameters the processor's Allow did
/// not accept for the part are left out (the plugin host already refuses
/// them, so this only guards). The error names what the engine refused.
ocp::Expected<void, std::string> send_answer(ocp::engine::Connection& engine, ocp::Xid xid,
                                             PartAnswer answer,
                                             const ocp::smtp::AllowRecord& allows);

}  // namespace opes::callout
