#pragma once
// smtp §3.3 Figure 6 and §3.4.3: the named parameters the SMTP profiles add
// to DUM, read from and written to a decoded DataUseMine's extensions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/expected.hpp"
#include "ocp/smtp/advice.hpp"
#include "ocp/smtp/am_option.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/header_field.hpp"
#include "ocp/smtp/read_options.hpp"
#include "ocp/smtp/reply.hpp"
#include "ocp/smtp/supported_params.hpp"

namespace ocp::smtp {

inline constexpr std::string_view kAmPartParam = "AM-Part";
inline constexpr std::string_view kAllowParam = "Allow";

/// A DUM parameter of the profile that does not have its type.
struct ParameterError {
  std::string message;    // "DUM" or "DUY"
  std::string parameter;  // "SMTP-Error"
  std::string reason;

  /// "DUM: parameter 'SMTP-Error': ..."
  std::string describe() const;
};

/// The SMTP profile's DUM parameters. Absent parameters are nullopt or empty.
/// Which agent may send which is checked by parameter_rules.hpp.
struct DumParameters {
  /// smtp §3.3.1: required on every DUM of a transaction under the profile.
  std::optional<AmPart> am_part;
  /// smtp §3.3.2: processor only.
  std::optional<SupportedParams> allow;
  /// smtp §3.3.3: callout server only; a 4yz or 5yz reply.
  std::optional<Reply> smtp_error;
  /// callout server only; a value the project defines.
  std::optional<Advice> advice;
  /// an Advice atom the project does not define, ignored; kept so that
  /// the sender rules still see that Advice was sent.
  std::optional<std::string> unrecognised_advice;
  /// smtp §3.3.5, A-26: callout server only; one or more fields.
  std::vector<HeaderField> add_header;
  /// smtp §3.4.3, A-22: processor's session meta information.
  std::optional<std::vector<AmOption>> am_opt;

  bool has_advice() const noexcept { return advice || unrecognised_advice; }

  friend bool operator==(const DumParameters&, const DumParameters&) = default;
};

/// Reads the profile's parameters from a DUM's undeclared named parameters.
/// Other named parameters are left alone (RFC 4037 §11: ignored).
Expected<DumParameters, ParameterError> read_dum_parameters(const DataUseMine& dum,
                                                            const ReadOptions& options = {});

/// Replaces the profile's parameters in `dum.extensions.named` with these,
/// placed first in the order AM-Part, Allow, SMTP-Error, Advice, Add-Header,
/// AM-OPT (the order of the draft's figures). An unrecognised advice is
/// not written.
void write_dum_parameters(const DumParameters& parameters, DataUseMine& dum);

}  // namespace ocp::smtp
