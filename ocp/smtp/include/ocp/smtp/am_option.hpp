#pragma once
// smtp §3.4.3: AM-OPT, meta information from the SMTP session (an AUTH
// result, say) that the processor puts on a DUM. Used by Figure 15, declared
// nowhere; A-22 gives it a type.

#include <string>
#include <string_view>
#include <vector>

#include "ocp/types.hpp"
#include "ocp/value.hpp"

namespace ocp::smtp {

inline constexpr std::string_view kAmOptParam = "AM-OPT";

/// This project's AM-OPT key on a callout server's DUM with SMTP-Error: the
/// name of the service that refused, for the processor's log (smtp §3.4.3
/// leaves the keys to the peers; docs/ocp-conformance.md, "Callout server
/// dispatch").
inline constexpr std::string_view kAmOptRefusingService = "service";

/// One `{key value}` structure, both atoms, e.g. `{authtype cram-md5}`.
/// Keys are the processor's keywords; smtp §3.4.3: the callout server SHOULD
/// map them to its own names, and ignores keys it does not know.
struct AmOption {
  std::string key;
  std::string value;

  friend bool operator==(const AmOption&, const AmOption&) = default;
};

/// `AM-OPT: extends list of structure`, each structure exactly two
/// anonymous atoms and nothing else.
Typed<std::vector<AmOption>> read_am_options(const Value& value);
Value write_am_options(const std::vector<AmOption>& options);

/// The first option with this key (compared exactly), or nullptr.
const AmOption* find_am_option(const std::vector<AmOption>& options, std::string_view key) noexcept;

}  // namespace ocp::smtp
