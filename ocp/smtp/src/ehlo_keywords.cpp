#include "ocp/smtp/ehlo_keywords.hpp"

#include <algorithm>

#include "ascii.hpp"
#include "value_kinds.hpp"

namespace ocp::smtp {

bool is_ehlo_keyword(std::string_view keyword) noexcept {
  // RFC 2821 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
  if (keyword.empty() || !(detail::is_alpha(keyword[0]) || detail::is_digit(keyword[0])))
    return false;
  return std::all_of(keyword.begin(), keyword.end(),
                     [](char c) { return detail::is_alpha(c) || detail::is_digit(c) || c == '-'; });
}

bool EhloKeywords::contains(std::string_view keyword) const noexcept {
  return std::any_of(keywords.begin(), keywords.end(),
                     [&](const std::string& known) { return detail::iequals(known, keyword); });
}

EhloKeywords EhloKeywords::normalized() const {
  EhloKeywords once;
  for (const std::string& keyword : keywords) {
    if (!once.contains(keyword)) once.keywords.push_back(keyword);
  }
  return once;
}

Typed<EhloKeywords> read_ehlo_keywords(const Value& value) {
  const List* list = value.as_list();
  if (!list)
    return unexpected(
        TypeError{std::string("Extensions must be a list, not ") + detail::kind_of(value)});
  EhloKeywords result;
  result.keywords.reserve(list->items.size());
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const std::string item = "Extensions item " + std::to_string(i + 1) + ": ";
    const Atom* atom = list->items[i].as_atom();
    if (!atom)
      return unexpected(
          TypeError{item + "must be an atom, not " + detail::kind_of(list->items[i])});
    if (!is_ehlo_keyword(atom->bytes)) {
      return unexpected(TypeError{item + detail::quoted(atom->bytes) + " is not an EHLO keyword"});
    }
    result.keywords.push_back(atom->bytes);
  }
  return result;
}

Value write_ehlo_keywords(const EhloKeywords& keywords) {
  List list;
  list.items.reserve(keywords.keywords.size());
  for (const std::string& keyword : keywords.keywords) list.items.push_back(Value::atom(keyword));
  return Value(std::move(list));
}

}  // namespace ocp::smtp
