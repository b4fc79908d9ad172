#include "ocp/smtp/callout_server_negotiation.hpp"

#include <algorithm>

namespace ocp::smtp {

namespace {

enum class Strength { none, informative, adaptive };

struct Choice {
  AmPart part;
  Strength strength;
};

class Choices {
 public:
  void add(AmPart part, Strength strength) { choices_.push_back({std::move(part), strength}); }

  Strength strength(AmPart::Kind kind) const {
    const auto it = find(kind);
    return it == choices_.end() ? Strength::none : it->strength;
  }

  void drop(AmPart::Kind kind) {
    const auto it = find(kind);
    if (it != choices_.end()) choices_.erase(it);
  }

  /// smtp §3.2.1: of two mutually exclusive parts keep the stronger, and the
  /// containing one between equals.
  void keep_one(AmPart::Kind containing, AmPart::Kind contained) {
    const Strength a = strength(containing);
    const Strength b = strength(contained);
    if (a == Strength::none || b == Strength::none) return;
    drop(a >= b ? contained : containing);
  }

  /// RAWDATA against everything it contains at once: it wins when no part
  /// it excludes is stronger than it.
  void keep_rawdata_or_split_parts() {
    const Strength whole = strength(AmPart::rawdata);
    if (whole == Strength::none) return;
    constexpr AmPart::Kind kSplit[] = {AmPart::allheaders, AmPart::singleheaders, AmPart::body,
                                       AmPart::sections};
    Strength strongest_split = Strength::none;
    for (AmPart::Kind kind : kSplit) strongest_split = std::max(strongest_split, strength(kind));
    if (strongest_split == Strength::none) return;
    if (whole >= strongest_split) {
      for (AmPart::Kind kind : kSplit) drop(kind);
    } else {
      drop(AmPart::rawdata);
    }
  }

  std::vector<AmPart> with(Strength wanted) const {
    std::vector<AmPart> parts;
    for (const Choice& choice : choices_) {
      if (choice.strength == wanted) parts.push_back(choice.part);
    }
    std::stable_sort(parts.begin(), parts.end(), canonical_less);
    return parts;
  }

 private:
  std::vector<Choice>::iterator find(AmPart::Kind kind) {
    return std::find_if(choices_.begin(), choices_.end(),
                        [&](const Choice& choice) { return choice.part.kind() == kind; });
  }
  std::vector<Choice>::const_iterator find(AmPart::Kind kind) const {
    return std::find_if(choices_.begin(), choices_.end(),
                        [&](const Choice& choice) { return choice.part.kind() == kind; });
  }

  std::vector<Choice> choices_;
};

}  // namespace

Expected<SmtpProfile, NegotiationRefusal> choose_profile(const SmtpProfile& offered,
                                                         const ServiceNeeds& needs) {
  const HeaderList headers = needs.headers.normalized();
  std::vector<AmPart> wanted;
  for (const auto* list : {&needs.adaptive, &needs.informative}) {
    for (const AmPart& part : *list) {
      if (!contains(wanted, part)) wanted.push_back(part);
    }
  }

  Choices choices;
  for (const AmPart& part : wanted) {
    // smtp §3.1: never a forbidden part, whatever a configuration says.
    if (part.is_forbidden()) continue;
    // smtp §3.2.5: SINGLEHEADERS without header names would carry nothing.
    if (part.kind() == AmPart::singleheaders && headers.names.empty()) continue;
    const bool wants_adaptive = contains(needs.adaptive, part);
    // IP, EHLO and HELO are informative even when wanted adaptive.
    const bool wants_informative =
        contains(needs.informative, part) || (wants_adaptive && part.is_informative_only());
    // smtp §3.2.3: adaptive only if offered as adaptive. smtp §3.2.4:
    // informative if offered in either list. Never both (smtp §3.2.4).
    if (wants_adaptive && !part.is_informative_only() && offered.is_adaptive(part)) {
      choices.add(part, Strength::adaptive);
    } else if (wants_informative && offered.lists(part)) {
      choices.add(part, Strength::informative);
    }
  }

  // smtp §3.2.3, §3.2.4: the callout server MUST NOT list mutually exclusive
  // parts (smtp §3.2.1).
  choices.keep_rawdata_or_split_parts();
  choices.keep_one(AmPart::allheaders, AmPart::singleheaders);
  choices.keep_one(AmPart::body, AmPart::sections);

  SmtpProfile response;
  response.direction = offered.direction;
  response.adaptive_parts = choices.with(Strength::adaptive);
  response.informative_parts = choices.with(Strength::informative);
  if (response.adaptive_parts.empty() && response.informative_parts.empty()) {
    return unexpected(NegotiationRefusal{"the offer lists none of the parts the services need"});
  }
  // smtp §3.2.5: Header-List exactly when SINGLEHEADERS is listed.
  if (response.lists(AmPart::singleheaders)) response.header_list = headers;
  // smtp §3.4.1
  response.extensions = needs.ehlo_keywords.normalized();
  return response;
}

OfferAnswer answer_offer(const NegotiationOffer& offer, const NeedsByDirection& needs,
                         const ReadOptions& options) {
  OfferAnswer answer;
  // RFC 4037 §11.19: the NR carries the NO's SG, if any.
  answer.response.sg_id = offer.sg_id;
  std::vector<Feature> rejects;
  for (const Feature& feature : offer.features) {
    const auto direction = direction_of(feature.uri);
    if (!direction) continue;
    std::string refusal;
    if (auto offered = read_smtp_profile(feature, options); !offered) {
      refusal = offered.error().describe();
    } else if (!needs[*direction]) {
      refusal = "no service handles the SMTP " + std::string(to_string(*direction)) + " profile";
    } else if (auto chosen = choose_profile(*offered, *needs[*direction]); !chosen) {
      refusal = chosen.error().reason;
    } else {
      answer.response.feature = write_smtp_profile(*chosen);
      answer.accepted = std::move(*chosen);
      break;
    }
    rejects.push_back(feature);
    answer.refusals.push_back(std::string(to_string(*direction)) + " profile: " + refusal);
  }
  if (!rejects.empty()) answer.response.rejects = std::move(rejects);
  return answer;
}

}  // namespace ocp::smtp
