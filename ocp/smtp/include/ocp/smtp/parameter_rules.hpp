#pragma once
// smtp §3.3.1–§3.3.5: who may send which DUM/DUY parameter, and when.
// A message that breaks one of these rules is invalid with transaction
// scope (RFC 4037 §5: TE 400). The draft words "SHOULD NOT send ... unless
// Allow listed it" are enforced as errors on receipt: a processor that
// ignored a disallowed SMTP-Error would instead apply the empty payload
// that comes with it (smtp §3.3.3), which is worse than failing.

#include <string>

#include "ocp/expected.hpp"
#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/duy_parameters.hpp"
#include "ocp/smtp/supported_params.hpp"

namespace ocp::smtp {

enum class ParameterRule {
  am_part_missing,            // smtp §3.3.1: every DUM of the transaction
  allow_from_callout_server,  // smtp §3.3.2: MUST NOT be sent by the callout server
  smtp_error_from_processor,  // smtp §3.3.3
  advice_from_processor,      // smtp §3.3.4 with §3.3.2
  add_header_from_processor,  // smtp §3.3.5
  smtp_error_on_duy,          // smtp §3.3.3: MUST NOT be sent in a DUY
  smtp_error_not_allowed,     // smtp §3.3.3: Allow did not list SMTP-Error
  advice_not_allowed,         // smtp §3.3.2, A-25: Allow did not list Advice
  add_header_not_allowed,     // smtp §3.3.5: Allow did not list Add-Header
};

struct ParameterViolation {
  ParameterRule rule;

  /// "smtp §3.3.3: the processor must not send SMTP-Error"
  std::string describe() const;
};

/// A DUM the processor sends (original dataflow).
Expected<void, ParameterViolation> check_processor_dum(const DumParameters& parameters);

/// A DUM the callout server sends (adapted dataflow); `allowed` is what the
/// processor's Allow accepted for the same part (AllowRecord::for_part).
Expected<void, ParameterViolation> check_callout_server_dum(const DumParameters& parameters,
                                                            const SupportedParams& allowed);

/// A DUY (always from the callout server); `allowed` is what the processor's
/// Allow accepted for the DUMs whose data it reuses
/// (AllowRecord::for_original_range).
Expected<void, ParameterViolation> check_callout_server_duy(const DuyParameters& parameters,
                                                            const SupportedParams& allowed);

}  // namespace ocp::smtp
