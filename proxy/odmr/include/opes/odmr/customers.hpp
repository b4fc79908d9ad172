#pragma once
// The ODMR customers (RFC 2645 §4: "a prior arrangement between the
// parties"): who may authenticate and which domains' mail each may take.
// The file is the SMTP AUTH credentials file (opes/sasl/credentials.hpp,
// Dovecot's passwd-file form) with the domains as the third field:
//
//   # user:{SCHEME}secret:domain,domain
//   cust:{PLAIN}secret:example.org,example.com
//   shop:{CRAM-MD5}64hexdigits:shop.example
//
// Every customer has at least one domain; a domain belongs to one customer
// only (two could not both take its mail). Domains as ATRN's ABNF has them
// (atrn.hpp), stored in lower case.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/sasl/credentials.hpp"

namespace opes::odmr {

struct CustomersLimits {
  sasl::CredentialsLimits credentials;
  std::size_t max_domains_per_customer = 1000;
};

class Customers {
 public:
  const sasl::Credentials& credentials() const noexcept { return credentials_; }
  /// The domains of `user`; nullptr: no such customer.
  const std::vector<std::string>* domains_of(std::string_view user) const;
  /// The customer holding `domain` (any case); nullopt: none.
  std::optional<std::string_view> owner_of(std::string_view domain) const;
  /// Every customer domain, lower case, sorted.
  std::vector<std::string> all_domains() const;
  std::size_t size() const noexcept { return domains_.size(); }

  /// For the parser (and tests): the domains are stored in lower case, once
  /// each. false, and nothing added, when a domain has an owner already,
  /// `user` is a customer already or `domains` is empty.
  bool add(std::string user, const sasl::HmacMd5Contexts& contexts, std::vector<std::string> domains);

 private:
  sasl::Credentials credentials_;
  std::map<std::string, std::vector<std::string>, std::less<>> domains_;  // user -> domains
  std::map<std::string, std::string, std::less<>> owners_;                // domain -> user
};

/// The file's text; the error names the line: "line 3: bad domain \"a..b\"".
ocp::Expected<Customers, std::string> parse_customers(std::string_view text, const CustomersLimits& limits = {});

}  // namespace opes::odmr
