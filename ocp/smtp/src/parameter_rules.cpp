#include "ocp/smtp/parameter_rules.hpp"

#include <algorithm>

namespace ocp::smtp {

namespace {

Unexpected<ParameterViolation> broken(ParameterRule rule) {
  return unexpected(ParameterViolation{rule});
}

/// smtp §3.3.3–§3.3.5 and A-25: what the callout server may send when the
/// processor's Allow listed it.
Expected<void, ParameterViolation> check_allowed(bool smtp_error, bool advice, bool add_header,
                                                 const SupportedParams& allowed) {
  if (smtp_error && !allowed.smtp_error) return broken(ParameterRule::smtp_error_not_allowed);
  if (advice && !allowed.advice) return broken(ParameterRule::advice_not_allowed);
  if (add_header && !allowed.add_header) return broken(ParameterRule::add_header_not_allowed);
  return {};
}

}  // namespace

std::string ParameterViolation::describe() const {
  switch (rule) {
    case ParameterRule::am_part_missing:
      return "smtp §3.3.1: a DUM of an SMTP profile transaction must carry AM-Part";
    case ParameterRule::allow_from_callout_server:
      return "smtp §3.3.2: the callout server must not send Allow";
    case ParameterRule::smtp_error_from_processor:
      return "smtp §3.3.3: the processor must not send SMTP-Error";
    case ParameterRule::advice_from_processor:
      return "smtp §3.3.4 (A-25): the processor must not send Advice";
    case ParameterRule::add_header_from_processor:
      return "smtp §3.3.5: the processor must not send Add-Header";
    case ParameterRule::smtp_error_on_duy:
      return "smtp §3.3.3: SMTP-Error must not be sent in a DUY";
    case ParameterRule::smtp_error_not_allowed:
      return "smtp §3.3.3: SMTP-Error sent although the processor's Allow did not list it";
    case ParameterRule::advice_not_allowed:
      return "smtp §3.3.2 (A-25): Advice sent although the processor's Allow did not list it";
    case ParameterRule::add_header_not_allowed:
      return "smtp §3.3.5: Add-Header sent although the processor's Allow did not list it";
  }
  return "SMTP profile parameter rule violated";
}

Expected<void, ParameterViolation> check_processor_dum(const DumParameters& parameters) {
  if (!parameters.am_part) return broken(ParameterRule::am_part_missing);
  if (parameters.smtp_error) return broken(ParameterRule::smtp_error_from_processor);
  if (parameters.has_advice()) return broken(ParameterRule::advice_from_processor);
  if (!parameters.add_header.empty()) return broken(ParameterRule::add_header_from_processor);
  return {};
}

Expected<void, ParameterViolation> check_callout_server_dum(const DumParameters& parameters,
                                                            const SupportedParams& allowed) {
  if (!parameters.am_part) return broken(ParameterRule::am_part_missing);
  if (parameters.allow) return broken(ParameterRule::allow_from_callout_server);
  return check_allowed(parameters.smtp_error.has_value(), parameters.has_advice(),
                       !parameters.add_header.empty(), allowed);
}

Expected<void, ParameterViolation> check_callout_server_duy(const DuyParameters& parameters,
                                                            const SupportedParams& allowed) {
  const auto carries = [&](std::string_view name) {
    return std::find(parameters.dum_only_parameters.begin(), parameters.dum_only_parameters.end(),
                     name) != parameters.dum_only_parameters.end();
  };
  if (carries(kSmtpErrorParam)) return broken(ParameterRule::smtp_error_on_duy);
  if (carries(kAllowParam)) return broken(ParameterRule::allow_from_callout_server);
  return check_allowed(false, parameters.has_advice(), !parameters.add_header.empty(), allowed);
}

}  // namespace ocp::smtp
