#pragma once
// smtp §3.2.3–§3.2.5 and §3.4.1, callout server side: answering a
// processor's SMTP profile offer with the profile the configured services
// need.

#include <optional>
#include <string>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/expected.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/ehlo_keywords.hpp"
#include "ocp/smtp/header_list.hpp"
#include "ocp/smtp/read_options.hpp"
#include "ocp/smtp/smtp_profile.hpp"

namespace ocp::smtp {

/// What the services configured for one profile direction want, merged over
/// the services (any order; duplicates are harmless).
struct ServiceNeeds {
  /// Parts the services may change. A part also listed in `informative` is
  /// taken as informative when the processor does not offer it as adaptive;
  /// otherwise a part the processor does not offer as adaptive is not taken.
  std::vector<AmPart> adaptive;
  /// Parts the services only read.
  std::vector<AmPart> informative;
  /// Header fields wanted as SINGLEHEADERS parts (smtp §3.2.5). SINGLEHEADERS
  /// is taken only when this is not empty.
  HeaderList headers;
  /// SMTP service extensions the services understand (smtp §3.4.1).
  EhloKeywords ehlo_keywords;
};

/// Why the callout server refuses an offered profile (it then lists the
/// feature in the NR's Rejects).
struct NegotiationRefusal {
  std::string reason;
};

/// Builds the NR's profile from one offered profile:
/// * a part is adaptive when a service wants it adaptive and the processor
///   offers it as adaptive (smtp §3.2.3), except IP, EHLO and HELO, which
///   are never adaptive and are taken as informative instead;
/// * otherwise a part is informative when a service lists it in
///   `informative` and the processor offers it in either list (smtp §3.2.4);
///   a part wanted only as adaptive and not offered as adaptive is not taken;
/// * no part is in both lists; parts nobody wants, forbidden parts and
///   unknown extension parts of the offer are ignored (smtp §3.1);
/// * mutually exclusive parts (smtp §3.2.1) are resolved deterministically:
///   the adaptive one wins over an informative one, and between equals the
///   part that contains the other wins (RAWDATA over ALLHEADERS,
///   SINGLEHEADERS, BODY and SECTIONS; ALLHEADERS over SINGLEHEADERS; BODY
///   over SECTIONS), because nothing a service needs is lost that way;
/// * Header-List is present exactly when SINGLEHEADERS is taken (smtp §3.2.5);
/// * Extensions lists the services' EHLO keywords (smtp §3.4.1);
/// * lists are written in canonical order (canonical_less).
/// Refused when no part at all can be taken.
Expected<SmtpProfile, NegotiationRefusal> choose_profile(const SmtpProfile& offered,
                                                         const ServiceNeeds& needs);

/// ServiceNeeds per profile direction; nullopt when no service handles it.
struct NeedsByDirection {
  std::optional<ServiceNeeds> sender;
  std::optional<ServiceNeeds> receiver;

  const std::optional<ServiceNeeds>& operator[](Direction direction) const noexcept {
    return direction == Direction::sender ? sender : receiver;
  }
};

/// The answer to a NO, and what it means.
struct OfferAnswer {
  NegotiationResponse response;
  /// The profile the response accepts (as written in its feature), to be
  /// enabled with the response's SG as scope once the NR is sent.
  std::optional<SmtpProfile> accepted;
  /// Why each SMTP profile in response.rejects was refused, in the same
  /// order, for the log.
  std::vector<std::string> refusals;
};

/// The whole NR for a NO (RFC 4037 §6, §11.19): the first offered SMTP profile
/// (preferred first) that choose_profile accepts, written with `-Parts`
/// members; `SG` echoed (RFC 4037 §11.19); every SMTP profile tried before it
/// and refused (malformed, a direction no service handles, no acceptable
/// part) listed in Rejects. Features that are not SMTP profiles are left to
/// the caller: neither accepted nor listed. Conflicts with already enabled
/// profiles (ProfileScopes::check) are the caller's to check first.
OfferAnswer answer_offer(const NegotiationOffer& offer, const NeedsByDirection& needs,
                         const ReadOptions& options = {});

}  // namespace ocp::smtp
