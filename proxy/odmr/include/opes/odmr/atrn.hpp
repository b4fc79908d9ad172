#pragma once
// ATRN's argument (RFC 2645 §5.2.1), free of I/O:
//
//   atrn       = "ATRN" [SP domain *("," domain)]
//   domain     = sub-domain 1*("." sub-domain)
//   sub-domain = (ALPHA / DIGIT) *(ldh-str)
//   ldh-str    = *(ALPHA / DIGIT / "-") (ALPHA / DIGIT)
//
// fetchmail joins its fetchdomains with "," and no space.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"

namespace opes::odmr {

struct AtrnLimits {
  std::size_t max_domains = 100;
  std::size_t max_domain = 255;  // RFC 1035 §2.3.4 names (RFC 5321 §4.5.3.1.2)
};

/// Why `domain` is not a domain of that ABNF (at least two labels of letters,
/// digits and inner hyphens; no "_", no trailing "."), a label over 63
/// octets (RFC 1035 §2.3.4) or the name over `max_domain` octets: "a label
/// holds \"_\"". nullopt: it is one. The customers file checks its domains
/// with it too, so a customer can name in ATRN every domain it owns.
std::optional<std::string> atrn_domain_error(std::string_view domain, std::size_t max_domain = 255);
inline bool is_atrn_domain(std::string_view domain, std::size_t max_domain = 255) {
  return !atrn_domain_error(domain, max_domain);
}

/// The domains of the argument after "ATRN" (ServerCore hands it without
/// the verb and the space; "" = no domains: every domain of the customer),
/// in lower case, duplicates removed, in order. The error is the text of a
/// 501 reply: "Syntax: ATRN [domain *(\",\" domain)]: bad domain \"x_y\":
/// a label holds \"_\"" (the domain shown printable and at most 64 octets).
ocp::Expected<std::vector<std::string>, std::string> parse_atrn_domains(std::string_view argument,
                                                                        const AtrnLimits& limits = {});

}  // namespace opes::odmr
