#include "ocp/smtp/supported_params.hpp"

#include <algorithm>

#include "value_kinds.hpp"

namespace ocp::smtp {

SupportedParams& SupportedParams::operator|=(const SupportedParams& other) {
  smtp_error = smtp_error || other.smtp_error;
  advice = advice || other.advice;
  add_header = add_header || other.add_header;
  for (const std::string& atom : other.unknown) {
    if (std::find(unknown.begin(), unknown.end(), atom) == unknown.end()) unknown.push_back(atom);
  }
  return *this;
}

Typed<SupportedParams> read_supported_params(const Value& value) {
  const List* list = value.as_list();
  if (!list) {
    return unexpected(
        TypeError{std::string("supported-params must be a list, not ") + detail::kind_of(value)});
  }
  SupportedParams params;
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const Atom* atom = list->items[i].as_atom();
    if (!atom) {
      return unexpected(TypeError{"supported-params item " + std::to_string(i + 1) +
                                  " must be an atom, not " + detail::kind_of(list->items[i])});
    }
    if (atom->bytes == kSmtpErrorParam) {
      params.smtp_error = true;
    } else if (atom->bytes == kAdviceParam) {
      params.advice = true;
    } else if (atom->bytes == kAddHeaderParam) {
      params.add_header = true;
    } else if (std::find(params.unknown.begin(), params.unknown.end(), atom->bytes) ==
               params.unknown.end()) {
      // smtp §3.3.2: "the callout server MUST ignore unknown atoms".
      params.unknown.push_back(atom->bytes);
    }
  }
  return params;
}

Value write_supported_params(const SupportedParams& params) {
  List list;
  if (params.smtp_error) list.items.push_back(Value::atom(kSmtpErrorParam));
  if (params.advice) list.items.push_back(Value::atom(kAdviceParam));
  if (params.add_header) list.items.push_back(Value::atom(kAddHeaderParam));
  for (const std::string& atom : params.unknown) list.items.push_back(Value::atom(atom));
  return Value(std::move(list));
}

}  // namespace ocp::smtp
