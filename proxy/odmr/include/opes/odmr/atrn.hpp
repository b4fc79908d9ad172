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
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"

namespace opes::odmr {

struct AtrnLimits {
  std::size_t max_domains = 100;
  std::size_t max_domain = 255;  // RFC 1035 §2.3.4 names (RFC 5321 §4.5.3.1.2)
};

/// The domains of the argument after "ATRN" (ServerCore hands it without
/// the verb and the space; "" = no domains: every domain of the customer),
/// in lower case, duplicates removed, in order. The error is the text of a
/// 501 reply: "Syntax: ATRN [domain *(\",\" domain)]: bad domain \"x_y\"".
ocp::Expected<std::vector<std::string>, std::string> parse_atrn_domains(std::string_view argument,
                                                                        const AtrnLimits& limits = {});

}  // namespace opes::odmr
