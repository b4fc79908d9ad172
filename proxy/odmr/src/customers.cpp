#include "opes/odmr/customers.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "ocp/smtp/ascii.hpp"
#include "opes/odmr/atrn.hpp"
#include "opes/sasl/passwd_file.hpp"

namespace opes::odmr {

namespace {

using ocp::smtp::ascii::ascii_lower;

std::string lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += ascii_lower(c);
  return out;
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
  Customers customers;
  auto read = sasl::read_passwd_lines(
      text, bounds, "user:{SCHEME}secret:domain,domain", [&](const sasl::PasswdLine& line) -> sasl::PasswdLineResult {
        // user:{SCHEME}secret:domain,domain. Neither a user name nor a
        // secret holds ":" (the credentials file splits on it the same way).
        const std::string_view user = line.user;
        const std::string_view field = line.rest.value_or(std::string_view());
        if (customers.domains_of(user)) return ocp::unexpected("user '" + std::string(user) + "' again");
        if (field.find(':') != std::string_view::npos)
          return ocp::unexpected(std::string("a fourth field (user:{SCHEME}secret:domain,domain)"));
        if (customers.size() >= bounds.max_users)
          return ocp::unexpected("more than " + std::to_string(bounds.max_users) + " users");
        auto domains = read_domains(field, limits);
        if (!domains) return ocp::unexpected(domains.error());
        // RFC 2645 §5.2.1: ATRN gives a customer the mail of its domains; one
        // domain's mail cannot go to two customers.
        for (const std::string& domain : *domains)
          if (auto owner = customers.owner_of(domain))
            return ocp::unexpected("domain " + domain + " belongs to both '" + std::string(*owner) + "' and '" +
                                   std::string(user) + "'");
        auto contexts = sasl::read_secret(line.secret);
        if (!contexts) return ocp::unexpected(contexts.error());
        customers.add(std::string(user), *contexts, std::move(*domains));
        OPENSSL_cleanse(&*contexts, sizeof(sasl::HmacMd5Contexts));
        return {};
      });
  if (!read) return ocp::unexpected(read.error());
  return customers;
}

}  // namespace opes::odmr
