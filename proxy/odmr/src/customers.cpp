#include "opes/odmr/customers.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "ocp/smtp/ascii.hpp"
#include "opes/odmr/atrn.hpp"

namespace opes::odmr {

namespace {

using ocp::smtp::ascii::ascii_lower;

std::string lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += ascii_lower(c);
  return out;
}

std::string at_line(std::size_t number, std::string_view what) {
  return "line " + std::to_string(number) + ": " + std::string(what);
}

bool has_control(std::string_view text) noexcept {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  return false;
}

/// The third field, "domain,domain", in lower case with duplicates dropped
/// (as ATRN drops them), or the reason it is refused.
ocp::Expected<std::vector<std::string>, std::string> read_domains(std::string_view field,
                                                                  const CustomersLimits& limits) {
  if (field.empty())
    return ocp::unexpected(std::string("no domains (user:{SCHEME}secret:domain,domain)"));
  std::vector<std::string> domains;
  std::size_t at = 0;
  std::size_t count = 0;
  while (true) {
    const std::size_t comma = field.find(',', at);
    const std::string_view domain =
        field.substr(at, comma == std::string_view::npos ? comma : comma - at);
    if (++count > limits.max_domains_per_customer)
      return ocp::unexpected("more than " + std::to_string(limits.max_domains_per_customer) +
                             " domains");
    if (domain.empty())
      return ocp::unexpected(std::string("an empty domain (a \",\" at either end or twice)"));
    if (auto error = atrn_domain_error(domain))
      return ocp::unexpected("bad domain \"" + std::string(domain) + "\": " + *error);
    std::string name = lower(domain);
    if (std::find(domains.begin(), domains.end(), name) == domains.end())
      domains.push_back(std::move(name));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return domains;
}

}  // namespace

const std::vector<std::string>* Customers::domains_of(std::string_view user) const {
  const auto found = domains_.find(user);
  return found == domains_.end() ? nullptr : &found->second;
}

std::optional<std::string_view> Customers::owner_of(std::string_view domain) const {
  const auto found = owners_.find(lower(domain));
  if (found == owners_.end()) return std::nullopt;
  return std::string_view(found->second);
}

std::vector<std::string> Customers::all_domains() const {
  std::vector<std::string> domains;
  domains.reserve(owners_.size());
  for (const auto& [domain, user] : owners_) domains.push_back(domain);  // a std::map: sorted
  return domains;
}

bool Customers::add(std::string user, const sasl::HmacMd5Contexts& contexts,
                    std::vector<std::string> domains) {
  if (domains.empty() || domains_.find(user) != domains_.end()) return false;
  std::vector<std::string> names;
  for (const std::string& domain : domains) {
    std::string name = lower(domain);
    if (owners_.find(name) != owners_.end()) return false;
    if (std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(std::move(name));
  }
  for (const std::string& name : names) owners_.emplace(name, user);
  credentials_.add(user, contexts);
  domains_.emplace(std::move(user), std::move(names));
  return true;
}

ocp::Expected<Customers, std::string> parse_customers(std::string_view text,
                                                      const CustomersLimits& limits) {
  const sasl::CredentialsLimits& bounds = limits.credentials;
  if (text.size() > bounds.max_file_size)
    return ocp::unexpected("larger than " + std::to_string(bounds.max_file_size) + " octets");
  Customers customers;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > bounds.max_line)
      return ocp::unexpected(
          at_line(number, "longer than " + std::to_string(bounds.max_line) + " octets"));
    if (ocp::smtp::ascii::trim_wsp(line).empty() || line.front() == '#') continue;
    if (has_control(line)) return ocp::unexpected(at_line(number, "holds a control character"));
    // user:{SCHEME}secret:domain,domain. Neither a user name nor a secret
    // holds ":" (the credentials file splits on it the same way).
    const auto first = line.find(':');
    if (first == std::string_view::npos)
      return ocp::unexpected(at_line(number, "expected user:{SCHEME}secret:domain,domain"));
    const std::string_view user = line.substr(0, first);
    const std::string_view rest = line.substr(first + 1);
    const auto second = rest.find(':');
    const std::string_view secret = rest.substr(0, second);
    const std::string_view field =
        second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
    if (user.empty()) return ocp::unexpected(at_line(number, "empty user name"));
    if (user.size() > bounds.max_user_name)
      return ocp::unexpected(at_line(
          number, "user name longer than " + std::to_string(bounds.max_user_name) + " octets"));
    if (customers.domains_of(user))
      return ocp::unexpected(at_line(number, "user '" + std::string(user) + "' again"));
    if (field.find(':') != std::string_view::npos)
      return ocp::unexpected(at_line(number, "a fourth field (user:{SCHEME}secret:domain,domain)"));
    if (customers.size() >= bounds.max_users)
      return ocp::unexpected(
          at_line(number, "more than " + std::to_string(bounds.max_users) + " users"));
    auto domains = read_domains(field, limits);
    if (!domains) return ocp::unexpected(at_line(number, domains.error()));
    // RFC 2645 §5.2.1: ATRN gives a customer the mail of its domains; one
    // domain's mail cannot go to two customers.
    for (const std::string& domain : *domains)
      if (auto owner = customers.owner_of(domain))
        return ocp::unexpected(at_line(number, "domain " + domain + " belongs to both '" +
                                                   std::string(*owner) + "' and '" +
                                                   std::string(user) + "'"));
    auto contexts = sasl::read_secret(secret);
    if (!contexts) return ocp::unexpected(at_line(number, contexts.error()));
    customers.add(std::string(user), *contexts, std::move(*domains));
    OPENSSL_cleanse(&*contexts, sizeof(sasl::HmacMd5Contexts));
  }
  return customers;
}

}  // namespace opes::odmr
