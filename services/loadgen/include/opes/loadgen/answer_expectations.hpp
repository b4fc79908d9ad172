#pragma once
// What a load expects the callout server to answer, for a service group of
// a content filter followed by services that stamp headers, or of services
// that change nothing: a check for run_load built from a few settings.

#include <optional>
#include <string>

#include "opes/loadgen/transaction_input.hpp"
#include "opes/loadgen/transaction_outcome.hpp"

namespace opes::loadgen {

struct AnswerExpectations {
  /// Which messages carry the match text (transaction_input.hpp).
  MessageShape shape;
  /// Messages with the match: RAWDATA is rejected with exactly this SMTP
  /// reply (smtp §3.3.3) and gets no header field. Unset: they are judged
  /// like the others.
  std::optional<std::string> match_reply;
  /// Messages without the match: RAWDATA gets exactly this one header field
  /// (`Name: value`, smtp §3.3.5). Unset: no header field at all.
  std::optional<std::string> header;
  /// Messages without the match: every adaptive part comes back without a
  /// reply and with its content unchanged (DUY or DUM, either way).
  bool unchanged = true;
  /// No Advice on any part.
  bool no_advice = true;
};

/// nullopt when the outcome is what the expectations say; else the first
/// difference. Requires TE 200 and no wire problem first.
std::optional<std::string> check_answers(const AnswerExpectations& expected,
                                         const TransactionOutcome& outcome);

}  // namespace opes::loadgen
