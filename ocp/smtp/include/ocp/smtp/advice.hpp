#pragma once
// smtp §3.3.4 leaves Advice "to be done". A-25, the project's definition:
// an atom, `Discard` or `Quarantine` (case-sensitive); other values are
// ignored; honoured only when the processor's Allow listed Advice.

#include <optional>
#include <string_view>

#include "ocp/types.hpp"
#include "ocp/value.hpp"

namespace ocp::smtp {

enum class Advice {
  discard,     // accept the message from the SMTP client, deliver it nowhere
  quarantine,  // accept it and keep it aside instead of delivering it
};

std::string_view to_token(Advice advice) noexcept;

/// The advice an atom names, or nullopt for an atom this project does not
/// define (to be ignored). Not an atom: a type error.
Typed<std::optional<Advice>> read_advice(const Value& value);
Value write_advice(Advice advice);

}  // namespace ocp::smtp
