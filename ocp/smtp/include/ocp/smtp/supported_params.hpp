#pragma once
// smtp §3.3.2: the Allow parameter, with which the processor tells the
// callout server which optional parameters it accepts in the callout
// server's DUMs for the same part and in DUYs referring to this DUM's data.

#include <string>
#include <string_view>
#include <vector>

#include "ocp/types.hpp"
#include "ocp/value.hpp"

namespace ocp::smtp {

inline constexpr std::string_view kSmtpErrorParam = "SMTP-Error";
inline constexpr std::string_view kAdviceParam = "Advice";
inline constexpr std::string_view kAddHeaderParam = "Add-Header";

/// supported-params (Figure 9): a list of supported-param atoms. An omitted
/// Allow means the empty list.
struct SupportedParams {
  bool smtp_error = false;
  bool advice = false;
  bool add_header = false;
  /// Atoms this document does not define. smtp §3.3.2: the callout server
  /// MUST ignore them; kept only so that they can be logged or relayed.
  std::vector<std::string> unknown;

  /// A list that accepts nothing.
  static SupportedParams none() { return {}; }

  /// Everything either list accepts (see AllowRecord).
  SupportedParams& operator|=(const SupportedParams& other);

  friend bool operator==(const SupportedParams&, const SupportedParams&) = default;
};

/// Atoms are compared exactly (parameter names are case-sensitive); repeated
/// atoms are harmless.
Typed<SupportedParams> read_supported_params(const Value& value);
/// `(SMTP-Error,Advice,Add-Header,unknown...)`, each only when set.
Value write_supported_params(const SupportedParams& params);

}  // namespace ocp::smtp
