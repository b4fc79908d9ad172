#pragma once
// What reading and writing the DUM and DUY parameters have in common:
// Advice and Add-Header belong to both (smtp §3.3 Figures 6 and 7).

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/expected.hpp"
#include "ocp/smtp/advice.hpp"
#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/header_field.hpp"

namespace ocp::smtp::detail {

/// The value of a named parameter, or nullptr when absent. (RFC 4037 §11: a
/// repeated named parameter has already made decode() refuse the message.)
Expected<const Value*, ParameterError> single_value(const Extensions& extensions,
                                                    std::string_view name,
                                                    std::string_view message);

/// The octets of an atom parameter that carries text (SMTP-Error,
/// Add-Header): smtp §3.3.3 and §3.3.5 say "a quoted-value", and any atom
/// encoding is the same value (RFC 4037 §3.1).
Expected<std::string_view, ParameterError> text_of(const Value& value, std::string_view name,
                                                   std::string_view message);

struct AdviceAndHeaders {
  std::optional<Advice> advice;
  std::optional<std::string> unrecognised_advice;
  std::vector<HeaderField> add_header;
};

Expected<AdviceAndHeaders, ParameterError> read_advice_and_headers(const Extensions& extensions,
                                                                   std::string_view message);
void write_advice_and_headers(const std::optional<Advice>& advice,
                              const std::vector<HeaderField>& headers,
                              std::vector<NamedValue>& out);

/// Removes the named parameters with these names, then puts `first` before
/// whatever remains.
void replace_named(std::vector<NamedValue>& named, std::initializer_list<std::string_view> names,
                   std::vector<NamedValue> first);

}  // namespace ocp::smtp::detail
