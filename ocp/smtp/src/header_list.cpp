#include "ocp/smtp/header_list.hpp"

#include <algorithm>

#include "ascii.hpp"
#include "value_kinds.hpp"

namespace ocp::smtp {

bool is_field_name(std::string_view name) noexcept {
  // RFC 2822 §2.2: field-name = 1*ftext; ftext = %d33-57 / %d59-126
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    const auto octet = static_cast<unsigned char>(c);
    return octet >= 33 && octet <= 126 && octet != ':';
  });
}

bool same_field_name(std::string_view a, std::string_view b) noexcept {
  return detail::iequals(a, b);
}

bool HeaderList::has_wildcard() const noexcept {
  return std::find(names.begin(), names.end(), kWildcard) != names.end();
}

bool HeaderList::requests(std::string_view field_name) const noexcept {
  // smtp §3.2.5: "The wildcard "*" requests all available headers."
  return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
    return name == kWildcard || same_field_name(name, field_name);
  });
}

HeaderList HeaderList::normalized() const {
  if (has_wildcard()) return HeaderList{{std::string(kWildcard)}};
  HeaderList once;
  for (const std::string& name : names) {
    if (!once.requests(name)) once.names.push_back(name);
  }
  return once;
}

Typed<HeaderList> read_header_list(const Value& value) {
  const List* list = value.as_list();
  if (!list)
    return unexpected(
        TypeError{std::string("headernames must be a list, not ") + detail::kind_of(value)});
  HeaderList headers;
  headers.names.reserve(list->items.size());
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const std::string item = "headernames item " + std::to_string(i + 1) + ": ";
    const Atom* atom = list->items[i].as_atom();
    if (!atom)
      return unexpected(
          TypeError{item + "must be an atom, not " + detail::kind_of(list->items[i])});
    // the wildcard arrives as "1:*", which the codec has already decoded
    // to `*`; `*` is also an ftext octet, so is_field_name covers it.
    if (!is_field_name(atom->bytes)) {
      return unexpected(
          TypeError{item + detail::quoted(atom->bytes) + " is not a header field name"});
    }
    headers.names.push_back(atom->bytes);
  }
  return headers;
}

Value write_header_list(const HeaderList& headers) {
  List list;
  list.items.reserve(headers.names.size());
  // `*` is not a safe-OCTET, so the serializer quotes it as "1:*".
  for (const std::string& name : headers.names) list.items.push_back(Value::atom(name));
  return Value(std::move(list));
}

}  // namespace ocp::smtp
