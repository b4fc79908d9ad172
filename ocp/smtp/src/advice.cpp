#include "ocp/smtp/advice.hpp"

#include "value_kinds.hpp"

namespace ocp::smtp {

namespace {
constexpr std::string_view kDiscard = "Discard";
constexpr std::string_view kQuarantine = "Quarantine";
}  // namespace

std::string_view to_token(Advice advice) noexcept {
  return advice == Advice::discard ? kDiscard : kQuarantine;
}

Typed<std::optional<Advice>> read_advice(const Value& value) {
  const Atom* atom = value.as_atom();
  if (!atom)
    return unexpected(
        TypeError{std::string("advice must be an atom, not ") + detail::kind_of(value)});
  // case-sensitive; anything else is advice this project does not know.
  if (atom->bytes == kDiscard) return std::optional<Advice>(Advice::discard);
  if (atom->bytes == kQuarantine) return std::optional<Advice>(Advice::quarantine);
  return std::optional<Advice>();
}

Value write_advice(Advice advice) {
  return Value::atom(to_token(advice));
}

}  // namespace ocp::smtp
