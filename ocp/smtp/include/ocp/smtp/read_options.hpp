#pragma once
// Lenient readings of the SMTP profile that the draft's own examples need.
// Each is unambiguous, is never used when sending, and can be switched off
// (docs/ocp-conformance.md, "SMTP profile decisions").

namespace ocp::smtp {

struct ReadOptions {
  /// read the members `Adaptive-Commands` and `Informative-Commands`
  /// (Figures 4, 5, 12, 14 and one sentence of smtp §3.2.3) as
  /// `Adaptive-Parts` and `Informative-Parts`. Both spellings of one member
  /// in the same profile are an error either way.
  bool commands_aliases = true;
  /// read the am-part `DATA` (Figures 4, 12, 14) as `RAWDATA`, in part
  /// lists and in AM-Part. Off: `DATA` is a part smtp §3.1 forbids.
  bool data_as_rawdata = true;
};

}  // namespace ocp::smtp
