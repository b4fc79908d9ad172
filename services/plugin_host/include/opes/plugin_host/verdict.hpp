#pragma once
// What a service answered, per adaptive part: the OCP dispatcher turns a
// PartVerdict into the adapted DUM (or DUY) of that part (draft §3.3,
// ocp-digest A-28).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace opes::plugin_host {

using PartIndex = std::uint32_t;

enum class Action {
  Keep,     // the part as it was (DUY / as-is)
  Replace,  // `content` instead of the part's octets
  Reject,   // answer the SMTP command with `smtp_reply` (SMTP-Error, empty payload)
};

// ocp-digest A-25: the project's reading of the undefined Advice parameter.
enum class Advice { Discard, Quarantine };

struct PartVerdict {
  PartIndex index = 0;
  std::string part;  // am-part name
  Action action = Action::Keep;
  std::string content;     // with Replace
  std::string smtp_reply;  // with Reject; no final CRLF
  // Header fields to add to the message, each without its final CRLF.
  // Several are allowed (ocp-digest A-26: the dispatcher spreads them).
  std::vector<std::string> headers;
  std::optional<Advice> advice;
};

enum class Outcome {
  Open,       // still running
  Completed,  // end of message reached; verdicts are final
  Failed,     // the service failed, or a limit or the protocol was broken
  Aborted,    // the caller abandoned it
};

struct TransactionResult {
  Outcome outcome = Outcome::Open;
  std::string failure;                // why, when Failed
  std::vector<PartVerdict> verdicts;  // one per adaptive part delivered, in order
};

}  // namespace opes::plugin_host
