#pragma once
// smtp §3.3 Figure 7: the named parameters the SMTP profiles add to DUY.

#include <optional>
#include <string>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/expected.hpp"
#include "ocp/smtp/advice.hpp"
#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/header_field.hpp"

namespace ocp::smtp {

/// The SMTP profile's DUY parameters: Advice and Add-Header only.
struct DuyParameters {
  std::optional<Advice> advice;
  std::optional<std::string> unrecognised_advice;  // A-25, as in DumParameters
  std::vector<HeaderField> add_header;
  /// Profile parameters that Figure 7 does not define for DUY but that the
  /// DUY carries (SMTP-Error, Allow, AM-Part, AM-OPT), in wire order. Unread;
  /// the sender rules judge SMTP-Error and Allow (smtp §3.3.2, §3.3.3).
  std::vector<std::string> dum_only_parameters;

  bool has_advice() const noexcept { return advice || unrecognised_advice; }

  friend bool operator==(const DuyParameters&, const DuyParameters&) = default;
};

Expected<DuyParameters, ParameterError> read_duy_parameters(const DataUseYours& duy);

/// Replaces Advice and Add-Header in `duy.extensions.named`, placed first.
/// dum_only_parameters are not written.
void write_duy_parameters(const DuyParameters& parameters, DataUseYours& duy);

}  // namespace ocp::smtp
