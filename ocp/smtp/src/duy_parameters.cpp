#include "ocp/smtp/duy_parameters.hpp"

#include "ocp/smtp/am_option.hpp"
#include "ocp/smtp/supported_params.hpp"
#include "parameter_reading.hpp"

namespace ocp::smtp {

Expected<DuyParameters, ParameterError> read_duy_parameters(const DataUseYours& duy) {
  DuyParameters parameters;
  // smtp §3.3 Figure 7: Advice and Add-Header only.
  auto shared = detail::read_advice_and_headers(duy.extensions, "DUY");
  if (!shared) return unexpected(std::move(shared).error());
  parameters.advice = shared->advice;
  parameters.unrecognised_advice = std::move(shared->unrecognised_advice);
  parameters.add_header = std::move(shared->add_header);
  for (const NamedValue& parameter : duy.extensions.named) {
    if (parameter.name == kSmtpErrorParam || parameter.name == kAllowParam ||
        parameter.name == kAmPartParam || parameter.name == kAmOptParam) {
      parameters.dum_only_parameters.push_back(parameter.name);
    }
  }
  return parameters;
}

void write_duy_parameters(const DuyParameters& parameters, DataUseYours& duy) {
  std::vector<NamedValue> first;
  detail::write_advice_and_headers(parameters.advice, parameters.add_header, first);
  detail::replace_named(duy.extensions.named, {kAdviceParam, kAddHeaderParam}, std::move(first));
}

}  // namespace ocp::smtp
