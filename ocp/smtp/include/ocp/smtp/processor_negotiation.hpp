#pragma once
// smtp §3.2.3–§3.2.5, processor side: the checks an OPES processor runs on a
// callout server's NR before it uses the accepted SMTP profile. Every
// failure here is a rule after which the processor MUST close the
// connection (CE 400).

#include <string>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/read_options.hpp"
#include "ocp/smtp/smtp_profile.hpp"
#include "ocp/types.hpp"

namespace ocp::smtp {

enum class NegotiationRule {
  not_an_smtp_profile,                // the accepted uri is neither profile ID
  profile_not_offered,                // RFC 4037 §6.1: the other direction, or no SMTP offer
  malformed_profile,                  // RFC 4037 §10: a member without its type; A-19
  forbidden_part,                     // smtp §3.1: DATA, RSET, QUIT
  adaptive_part_not_offered,          // smtp §3.2.3
  informative_part_not_offered,       // smtp §3.2.4
  part_in_both_lists,                 // smtp §3.2.4
  mutually_exclusive_parts,           // smtp §3.2.3, §3.2.4 by §3.2.1
  header_list_without_singleheaders,  // smtp §3.2.5
  header_list_missing,                // smtp §3.2.5
};

struct NegotiationViolation {
  NegotiationRule rule;
  std::string detail;  // the part(s) or member at fault

  /// "smtp §3.2.3: Adaptive-Parts lists BODY, which the offer did not list as adaptive"
  std::string describe() const;
};

/// Checks a response profile against the profile the processor offered.
/// Returns the response (the profile now in force) when every rule holds.
Expected<SmtpProfile, NegotiationViolation> check_response(const SmtpProfile& offered,
                                                           const SmtpProfile& response);

/// Same, from the NR's anonymous feature and the features of the NO it
/// answers: the accepted feature must be an SMTP profile the processor
/// offered (same uri); when several offered SMTP features have that uri, it
/// must satisfy one of them (the first violation is reported otherwise).
Expected<SmtpProfile, NegotiationViolation> check_response(const std::vector<Feature>& offered,
                                                           const Feature& accepted,
                                                           const ReadOptions& options = {});

}  // namespace ocp::smtp
