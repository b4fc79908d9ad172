#pragma once
// RFC 4037 §3.1 and §9: the three base formats a parameter value can take.
// The model holds decoded values: an atom is its octets, whatever encoding
// (bare or quoted) carried it, because §3.1 makes the two the same value.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ocp {

struct Value;
struct NamedValue;

struct Atom {
  std::string bytes;
  friend bool operator==(const Atom&, const Atom&) = default;
};

struct List {
  std::vector<Value> items;
};

struct Structure {
  std::vector<Value> anonymous;
  std::vector<NamedValue> named;

  /// The member with this name, or nullptr.
  const NamedValue* find(std::string_view name) const;
};

struct Value {
  std::variant<Atom, List, Structure> node;

  // Defined below NamedValue: constructing a Structure needs it complete.
  Value();
  Value(Atom atom);
  Value(List list);
  Value(Structure structure);

  static Value atom(std::string_view bytes);

  const Atom* as_atom() const { return std::get_if<Atom>(&node); }
  const List* as_list() const { return std::get_if<List>(&node); }
  const Structure* as_structure() const { return std::get_if<Structure>(&node); }
};

struct NamedValue {
  std::string name;
  Value value;
  /// Values after the first, separated by SP. Only RFC 4037's DUM `Kept:
  /// org-offset org-size` is declared this way, which the ABNF cannot encode;
  /// see docs/ocp-conformance.md. Empty for every well-formed parameter.
  std::vector<Value> extra_values;
};

inline Value::Value() = default;
inline Value::Value(Atom atom) : node(std::move(atom)) {}
inline Value::Value(List list) : node(std::move(list)) {}
inline Value::Value(Structure structure) : node(std::move(structure)) {}
inline Value Value::atom(std::string_view bytes) { return Value(Atom{std::string(bytes)}); }

bool operator==(const List& a, const List& b);
bool operator==(const Structure& a, const Structure& b);
bool operator==(const Value& a, const Value& b);
bool operator==(const NamedValue& a, const NamedValue& b);

/// RFC 4037 §3.1 safe-OCTET: the octets a bare value may hold.
constexpr bool is_safe_octet(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/// True when the octets can be sent as a bare value (non-empty, safe-OCTETs only).
bool can_be_bare(std::string_view bytes) noexcept;

}  // namespace ocp
