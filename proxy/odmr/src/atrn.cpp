#include "opes/odmr/atrn.hpp"

#include <set>

#include "ocp/smtp/ascii.hpp"

namespace opes::odmr {

namespace {

using namespace ocp::smtp::ascii;

constexpr std::string_view kSyntax = "Syntax: ATRN [domain *(\",\" domain)]: ";
// RFC 1035 §2.3.4: labels are 63 octets or less.
constexpr std::size_t kMaxLabel = 63;
// What a reply shows of a refused domain: enough to recognise it, never a
// line break or a 512-octet reply line (RFC 5321 §4.5.3.1.5).
constexpr std::size_t kMaxShown = 64;

std::string quoted(char c) {
  if (c == ' ') return "a space";
  if (is_printable(c)) return std::string("\"") + c + "\"";
  static constexpr char hex[] = "0123456789ABCDEF";
  const auto octet = static_cast<unsigned char>(c);
  return std::string("octet 0x") + hex[octet >> 4] + hex[octet & 0xF];
}

/// The domain as a reply may show it: printable US-ASCII, bounded.
std::string shown(std::string_view domain) {
  std::string text;
  for (char c : domain.substr(0, kMaxShown)) text += is_printable(c) && c != '"' ? c : '?';
  if (domain.size() > kMaxShown) text += "...";
  return text;
}

}  // namespace

std::optional<std::string> atrn_domain_error(std::string_view domain, std::size_t max_domain) {
  if (domain.empty()) return std::string("empty");
  if (domain.size() > max_domain) return "longer than " + std::to_string(max_domain) + " octets";
  std::size_t labels = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') {
      const char c = domain[i];
      // sub-domain and ldh-str: ALPHA, DIGIT and "-" only.
      if (!is_alnum(c) && c != '-') {
        if (c == ' ') return std::string("holds a space (none around \",\")");
        return "a label holds " + quoted(c);
      }
      continue;
    }
    const std::string_view label = domain.substr(start, i - start);
    if (label.empty()) {
      if (i == domain.size()) return std::string("ends in \".\"");
      return std::string("has an empty label");
    }
    if (label.size() > kMaxLabel)
      return "a label is longer than " + std::to_string(kMaxLabel) + " octets";
    // sub-domain = (ALPHA / DIGIT) *(ldh-str); ldh-str ends in ALPHA / DIGIT.
    if (label.front() == '-' || label.back() == '-')
      return std::string("a label starts or ends with \"-\"");
    ++labels;
    start = i + 1;
  }
  // domain = sub-domain 1*("." sub-domain)
  if (labels < 2) return std::string("one label only (a domain has two or more)");
  return std::nullopt;
}

ocp::Expected<std::vector<std::string>, std::string> parse_atrn_domains(std::string_view argument,
                                                                        const AtrnLimits& limits) {
  std::vector<std::string> domains;
  if (argument.empty()) return domains;  // RFC 2645 §5.2.1: every domain of the customer
  std::set<std::string, std::less<>> seen;
  std::size_t count = 0;
  std::size_t at = 0;
  while (true) {
    const std::size_t comma = argument.find(',', at);
    const std::string_view domain =
        argument.substr(at, comma == std::string_view::npos ? comma : comma - at);
    if (++count > limits.max_domains)
      return ocp::unexpected(std::string(kSyntax) + "more than " +
                             std::to_string(limits.max_domains) + " domains");
    if (domain.empty())
      return ocp::unexpected(std::string(kSyntax) +
                             "an empty domain (a \",\" at either end or twice)");
    if (auto error = atrn_domain_error(domain, limits.max_domain))
      return ocp::unexpected(std::string(kSyntax) + "bad domain \"" + shown(domain) +
                             "\": " + *error);
    std::string lower;
    lower.reserve(domain.size());
    for (char c : domain) lower += ascii_lower(c);
    if (seen.insert(lower).second) domains.push_back(std::move(lower));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return domains;
}

}  // namespace opes::odmr
