#include "ocp/types.hpp"

#include <algorithm>
#include <charconv>

namespace ocp {

namespace {

std::string quote_for_error(std::string_view bytes) {
  constexpr std::size_t kShown = 32;
  std::string shown;
  for (char c : bytes.substr(0, kShown)) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet >= 0x20 && octet < 0x7f) {
      shown += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      shown += "\\x";
      shown += kHex[octet >> 4];
      shown += kHex[octet & 15];
    }
  }
  if (bytes.size() > kShown) shown += "...";
  return "'" + shown + "'";
}

const char* kind_of(const Value& value) {
  if (value.as_atom()) return "an atom";
  if (value.as_list()) return "a list";
  return "a structure";
}

Typed<const Atom*> expect_atom(const Value& value, const char* type) {
  if (const Atom* atom = value.as_atom()) return atom;
  return unexpected(TypeError{std::string(type) + " must be an atom, not " + kind_of(value)});
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Reads a value shaped `{uri members...}` (feature, service).
template <class Shape>
Typed<Shape> read_uri_structure(const Value& value, const char* type) {
  const Structure* structure = value.as_structure();
  if (!structure) {
    return unexpected(TypeError{std::string(type) + " must be a structure, not " + kind_of(value)});
  }
  if (structure->anonymous.empty()) {
    return unexpected(TypeError{std::string(type) + " has no uri"});
  }
  auto uri = read_uri(structure->anonymous.front());
  if (!uri) return unexpected(TypeError{std::string(type) + " uri: " + uri.error().reason});
  Shape shape;
  shape.uri = std::move(*uri);
  shape.attributes.anonymous.assign(structure->anonymous.begin() + 1, structure->anonymous.end());
  shape.attributes.named = structure->named;
  return shape;
}

template <class Shape, class Reader>
Typed<std::vector<Shape>> read_list_of(const Value& value, const char* type, Reader read_one) {
  const List* list = value.as_list();
  if (!list) return unexpected(TypeError{std::string(type) + " must be a list, not " + kind_of(value)});
  std::vector<Shape> items;
  items.reserve(list->items.size());
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    auto item = read_one(list->items[i]);
    if (!item) {
      return unexpected(TypeError{std::string(type) + " item " + std::to_string(i + 1) + ": " +
                                  item.error().reason});
    }
    items.push_back(std::move(*item));
  }
  return items;
}

template <class Shape>
Value write_uri_structure(const Shape& shape) {
  Structure structure;
  structure.anonymous.reserve(1 + shape.attributes.anonymous.size());
  structure.anonymous.push_back(Value::atom(shape.uri));
  structure.anonymous.insert(structure.anonymous.end(), shape.attributes.anonymous.begin(),
                             shape.attributes.anonymous.end());
  structure.named = shape.attributes.named;
  return Value(std::move(structure));
}

template <class Shape>
Value write_list_of(const std::vector<Shape>& items) {
  List list;
  list.items.reserve(items.size());
  for (const Shape& item : items) list.items.push_back(write_uri_structure(item));
  return Value(std::move(list));
}

}  // namespace

Typed<std::uint32_t> read_uni(const Value& value) {
  auto atom = expect_atom(value, "a number");
  if (!atom) return unexpected(atom.error());
  const std::string& text = (*atom)->bytes;
  if (text.empty()) return unexpected(TypeError{"empty value is not a number"});
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return unexpected(TypeError{quote_for_error(text) + " is not a decimal number"});
  }
  if (text.size() > 1 && text.front() == '0') {
    return unexpected(TypeError{quote_for_error(text) + " has a leading zero"});
  }
  std::uint64_t number = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), number);
  if (parsed.ec != std::errc() || number > kMaxUni) {
    return unexpected(TypeError{quote_for_error(text) + " exceeds 2147483647"});
  }
  return static_cast<std::uint32_t>(number);
}

Typed<Xid> read_xid(const Value& value) {
  auto number = read_uni(value);
  if (!number) return unexpected(number.error());
  return Xid{*number};
}

Typed<ServiceGroupId> read_sg_id(const Value& value) {
  auto number = read_uni(value);
  if (!number) return unexpected(number.error());
  return ServiceGroupId{*number};
}

Typed<Percent> read_percent(const Value& value) {
  auto number = read_uni(value);
  if (!number) return unexpected(number.error());
  if (*number > 100) {
    return unexpected(TypeError{std::to_string(*number) + " is not a percentage (0 to 100)"});
  }
  return Percent{static_cast<std::uint8_t>(*number)};
}

Typed<bool> read_boolean(const Value& value) {
  auto atom = expect_atom(value, "a boolean");
  if (!atom) return unexpected(atom.error());
  const std::string& text = (*atom)->bytes;
  if (text == "true") return true;
  if (text == "false") return false;
  return unexpected(TypeError{quote_for_error(text) + " is not a boolean (true or false)"});
}

bool is_uri_reference(std::string_view text) noexcept {
  static constexpr std::string_view kAllowed =
      "-_.!~*'()"       // mark
      ";/?:@&=+$,"      // reserved
      "#"               // fragment separator of a URI-reference
      "[]";             // RFC 2732 IPv6 literals
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_safe_octet(static_cast<unsigned char>(c)) || kAllowed.find(c) != std::string_view::npos) {
      continue;
    }
    if (c == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

Typed<std::string> read_uri(const Value& value) {
  auto atom = expect_atom(value, "a uri");
  if (!atom) return unexpected(atom.error());
  const std::string& text = (*atom)->bytes;
  if (text.empty()) return unexpected(TypeError{"empty uri"});
  if (!is_uri_reference(text)) return unexpected(TypeError{quote_for_error(text) + " is not a uri"});
  return text;
}

Typed<Result> read_result(const Value& value) {
  const Structure* structure = value.as_structure();
  if (!structure) return unexpected(TypeError{"result must be a structure, not " + std::string(kind_of(value))});
  if (structure->anonymous.empty()) return unexpected(TypeError{"result has no status code"});
  auto code = read_uni(structure->anonymous[0]);
  if (!code) return unexpected(TypeError{"result status code: " + code.error().reason});
  Result result;
  result.code = *code;
  if (structure->anonymous.size() > 1) {
    const Atom* reason = structure->anonymous[1].as_atom();
    if (!reason) return unexpected(TypeError{"result reason must be an atom"});
    result.reason = reason->bytes;
  }
  if (structure->anonymous.size() > 2) {
    result.extensions.anonymous.assign(structure->anonymous.begin() + 2, structure->anonymous.end());
  }
  result.extensions.named = structure->named;
  return result;
}

Typed<Feature> read_feature(const Value& value) { return read_uri_structure<Feature>(value, "feature"); }

Typed<std::vector<Feature>> read_features(const Value& value) {
  return read_list_of<Feature>(value, "features", read_feature);
}

Typed<Service> read_service(const Value& value) { return read_uri_structure<Service>(value, "service"); }

Typed<std::vector<Service>> read_services(const Value& value) {
  return read_list_of<Service>(value, "services", read_service);
}

Value write_uni(std::uint32_t number) { return Value::atom(std::to_string(number)); }

Value write_boolean(bool truth) { return Value::atom(truth ? "true" : "false"); }

Value write_result(const Result& result) {
  Structure structure;
  structure.anonymous.push_back(write_uni(result.code));
  if (result.reason || !result.extensions.anonymous.empty()) {
    structure.anonymous.push_back(Value::atom(result.reason.value_or("")));
  }
  structure.anonymous.insert(structure.anonymous.end(), result.extensions.anonymous.begin(),
                             result.extensions.anonymous.end());
  structure.named = result.extensions.named;
  return Value(std::move(structure));
}

Value write_feature(const Feature& feature) { return write_uri_structure(feature); }

Value write_features(const std::vector<Feature>& features) { return write_list_of(features); }

Value write_service(const Service& service) { return write_uri_structure(service); }

Value write_services(const std::vector<Service>& services) { return write_list_of(services); }

}  // namespace ocp
