#pragma once
// The line framing of a passwd-file (Dovecot's "Passwd-file" form), shared
// by the SMTP AUTH credentials file (credentials.hpp) and the ODMR customers
// file (opes/odmr/customers.hpp): lines split on LF (a CR before it
// dropped), each bounded, blank lines and `#` comments skipped, control
// octets refused, and `user:secret[:rest]` split with the user checked.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/sasl/credentials.hpp"

namespace opes::sasl {

struct PasswdLine {
  std::size_t number = 0;                // 1-based, for errors
  std::string_view user;                 // not empty, at most max_user_name octets
  std::string_view secret;               // the second field
  std::optional<std::string_view> rest;  // after the second ':'; nullopt: none
};

/// The reason a line is refused, without its "line N: " (added here).
using PasswdLineResult = ocp::Expected<void, std::string>;

/// Calls `each` for every line that is not blank or a comment, in order.
/// The first error, the framing's or `each`'s, comes back as "line N:
/// cause"; `form` names the expected line in the error for a line without
/// ':' ("user:{SCHEME}secret").
ocp::Expected<void, std::string> read_passwd_lines(std::string_view text, const CredentialsLimits& limits,
                                                   std::string_view form,
                                                   const std::function<PasswdLineResult(const PasswdLine&)>& each);

}  // namespace opes::sasl
