#include "parameter_reading.hpp"

#include <algorithm>
#include <iterator>

#include "ocp/smtp/supported_params.hpp"
#include "value_kinds.hpp"

namespace ocp::smtp::detail {

namespace {

Unexpected<ParameterError> fail(std::string_view message, std::string_view parameter,
                                std::string reason) {
  return unexpected(
      ParameterError{std::string(message), std::string(parameter), std::move(reason)});
}

}  // namespace

Expected<const Value*, ParameterError> single_value(const Extensions& extensions,
                                                    std::string_view name,
                                                    std::string_view message) {
  const NamedValue* parameter = extensions.find(name);
  if (!parameter) return static_cast<const Value*>(nullptr);
  if (!parameter->extra_values.empty()) return fail(message, name, "takes a single value");
  return &parameter->value;
}

Expected<std::string_view, ParameterError> text_of(const Value& value, std::string_view name,
                                                   std::string_view message) {
  const Atom* atom = value.as_atom();
  if (!atom) return fail(message, name, std::string("must be an atom, not ") + kind_of(value));
  return std::string_view(atom->bytes);
}

Expected<AdviceAndHeaders, ParameterError> read_advice_and_headers(const Extensions& extensions,
                                                                   std::string_view message) {
  AdviceAndHeaders read;
  auto advice = single_value(extensions, kAdviceParam, message);
  if (!advice) return unexpected(std::move(advice).error());
  if (*advice) {
    auto known = read_advice(**advice);
    if (!known) return fail(message, kAdviceParam, known.error().reason);
    read.advice = *known;
    // ignored, but remembered as sent for the sender rules.
    if (!*known) read.unrecognised_advice = (*advice)->as_atom()->bytes;
  }
  auto header = single_value(extensions, kAddHeaderParam, message);
  if (!header) return unexpected(std::move(header).error());
  if (*header) {
    auto text = text_of(**header, kAddHeaderParam, message);
    if (!text) return unexpected(std::move(text).error());
    auto fields = parse_header_fields(*text);
    if (!fields) return fail(message, kAddHeaderParam, fields.error().reason);
    read.add_header = std::move(*fields);
  }
  return read;
}

void write_advice_and_headers(const std::optional<Advice>& advice,
                              const std::vector<HeaderField>& headers,
                              std::vector<NamedValue>& out) {
  if (advice) out.push_back({std::string(kAdviceParam), write_advice(*advice), {}});
  // several fields travel in one value, CRLF-separated.
  if (!headers.empty()) {
    out.push_back({std::string(kAddHeaderParam), Value::atom(join_header_fields(headers)), {}});
  }
}

void replace_named(std::vector<NamedValue>& named, std::initializer_list<std::string_view> names,
                   std::vector<NamedValue> first) {
  std::erase_if(named, [&](const NamedValue& parameter) {
    return std::find(names.begin(), names.end(), parameter.name) != names.end();
  });
  named.insert(named.begin(), std::make_move_iterator(first.begin()),
               std::make_move_iterator(first.end()));
}

}  // namespace ocp::smtp::detail
