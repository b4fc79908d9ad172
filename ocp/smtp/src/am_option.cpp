#include "ocp/smtp/am_option.hpp"

#include <algorithm>

#include "value_kinds.hpp"

namespace ocp::smtp {

Typed<std::vector<AmOption>> read_am_options(const Value& value) {
  const List* list = value.as_list();
  if (!list)
    return unexpected(
        TypeError{std::string("AM-OPT must be a list, not ") + detail::kind_of(value)});
  std::vector<AmOption> options;
  options.reserve(list->items.size());
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const std::string item = "AM-OPT item " + std::to_string(i + 1) + ": ";
    const Structure* structure = list->items[i].as_structure();
    if (!structure) {
      return unexpected(
          TypeError{item + "must be a structure, not " + detail::kind_of(list->items[i])});
    }
    // {key value}, exactly two anonymous atoms.
    if (structure->anonymous.size() != 2 || !structure->named.empty()) {
      return unexpected(TypeError{item + "must be {key value}"});
    }
    const Atom* key = structure->anonymous[0].as_atom();
    const Atom* val = structure->anonymous[1].as_atom();
    if (!key || !val) return unexpected(TypeError{item + "key and value must be atoms"});
    if (key->bytes.empty()) return unexpected(TypeError{item + "key must not be empty"});
    options.push_back({key->bytes, val->bytes});
  }
  return options;
}

Value write_am_options(const std::vector<AmOption>& options) {
  List list;
  list.items.reserve(options.size());
  for (const AmOption& option : options) {
    Structure structure;
    structure.anonymous = {Value::atom(option.key), Value::atom(option.value)};
    list.items.push_back(Value(std::move(structure)));
  }
  return Value(std::move(list));
}

const AmOption* find_am_option(const std::vector<AmOption>& options,
                               std::string_view key) noexcept {
  const auto it = std::find_if(options.begin(), options.end(),
                               [&](const AmOption& option) { return option.key == key; });
  return it == options.end() ? nullptr : &*it;
}

}  // namespace ocp::smtp
