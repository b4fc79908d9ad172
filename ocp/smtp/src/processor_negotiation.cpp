#include "ocp/smtp/processor_negotiation.hpp"

#include <optional>

namespace ocp::smtp {

namespace {

using Failure = Unexpected<NegotiationViolation>;

Failure violation(NegotiationRule rule, std::string detail) {
  return unexpected(NegotiationViolation{rule, std::move(detail)});
}

std::string quote(const AmPart& part) {
  return std::string(part.token());
}

}  // namespace

std::string NegotiationViolation::describe() const {
  switch (rule) {
    case NegotiationRule::not_an_smtp_profile:
      return "smtp §3.2: the accepted feature " + detail + " is not an SMTP profile";
    case NegotiationRule::profile_not_offered:
      return "RFC 4037 §6.1: the accepted " + detail + " was not offered";
    case NegotiationRule::malformed_profile:
      return "RFC 4037 §10: " + detail;
    case NegotiationRule::forbidden_part:
      return "smtp §3.1: " + detail + " is never an application message part";
    case NegotiationRule::adaptive_part_not_offered:
      return "smtp §3.2.3: Adaptive-Parts lists " + detail +
             ", which the offer did not list as adaptive";
    case NegotiationRule::informative_part_not_offered:
      return "smtp §3.2.4: Informative-Parts lists " + detail + ", which the offer did not list";
    case NegotiationRule::part_in_both_lists:
      return "smtp §3.2.4: " + detail + " is in both Adaptive-Parts and Informative-Parts";
    case NegotiationRule::mutually_exclusive_parts:
      return "smtp §3.2.1: the response lists mutually exclusive parts " + detail;
    case NegotiationRule::header_list_without_singleheaders:
      return "smtp §3.2.5: Header-List is present but SINGLEHEADERS is not listed";
    case NegotiationRule::header_list_missing:
      return "smtp §3.2.5: SINGLEHEADERS is listed but Header-List is missing";
  }
  return "SMTP profile negotiation violated";
}

Expected<SmtpProfile, NegotiationViolation> check_response(const SmtpProfile& offered,
                                                           const SmtpProfile& response) {
  if (offered.direction != response.direction) {
    return violation(NegotiationRule::profile_not_offered,
                     "SMTP " + std::string(to_string(response.direction)) + " profile");
  }
  for (const auto* list : {&response.adaptive_parts, &response.informative_parts}) {
    for (const AmPart& part : *list) {
      if (part.is_forbidden()) return violation(NegotiationRule::forbidden_part, quote(part));
    }
  }
  // smtp §3.2.3: "The OPES processor MUST close a connection if a message
  // part is returned in the NR message that it does not support."
  for (const AmPart& part : response.adaptive_parts) {
    if (!offered.is_adaptive(part))
      return violation(NegotiationRule::adaptive_part_not_offered, quote(part));
  }
  // smtp §3.2.4: informative parts may come from either offered list.
  for (const AmPart& part : response.informative_parts) {
    if (!offered.lists(part))
      return violation(NegotiationRule::informative_part_not_offered, quote(part));
  }
  // smtp §3.2.4: "the OPES processor MUST close the connection is such a case."
  for (const AmPart& part : response.adaptive_parts) {
    if (response.is_informative(part))
      return violation(NegotiationRule::part_in_both_lists, quote(part));
  }
  // smtp §3.2.3, §3.2.4: across both lists, since both are sent in one transaction.
  std::vector<AmPart> listed = response.adaptive_parts;
  listed.insert(listed.end(), response.informative_parts.begin(), response.informative_parts.end());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    for (std::size_t j = i + 1; j < listed.size(); ++j) {
      if (mutually_exclusive(listed[i], listed[j])) {
        return violation(NegotiationRule::mutually_exclusive_parts,
                         quote(listed[i]) + " and " + quote(listed[j]));
      }
    }
  }
  // smtp §3.2.5: "MUST use a Header-List parameter if it listed
  // SINGLEHEADERS ... MUST NOT use the Header-List parameter if SINGLEHEADERS
  // is not listed".
  const bool singleheaders = response.lists(AmPart::singleheaders);
  if (response.header_list && !singleheaders) {
    return violation(NegotiationRule::header_list_without_singleheaders, "Header-List");
  }
  if (!response.header_list && singleheaders) {
    return violation(NegotiationRule::header_list_missing, "Header-List");
  }
  return response;
}

Expected<SmtpProfile, NegotiationViolation> check_response(const std::vector<Feature>& offered,
                                                           const Feature& accepted,
                                                           const ReadOptions& options) {
  const auto direction = direction_of(accepted.uri);
  if (!direction) return violation(NegotiationRule::not_an_smtp_profile, "'" + accepted.uri + "'");
  auto response = read_smtp_profile(accepted, options);
  if (!response) return violation(NegotiationRule::malformed_profile, response.error().describe());

  std::optional<NegotiationViolation> first;
  for (const Feature& feature : offered) {
    if (feature.uri != accepted.uri) continue;  // octet by octet
    auto offer = read_smtp_profile(feature, options);
    if (!offer) continue;  // the processor's own offer; nothing it can have accepted
    auto checked = check_response(*offer, *response);
    if (checked) return checked;
    if (!first) first = checked.error();
  }
  if (first) return unexpected(std::move(*first));
  return violation(NegotiationRule::profile_not_offered,
                   "SMTP " + std::string(to_string(*direction)) + " profile");
}

}  // namespace ocp::smtp
