#include "ocp/serializer.hpp"

#include <charconv>

namespace ocp {

namespace {

void append_size(std::size_t size, std::string& out) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, size);
  out.append(digits, result.ptr);
}

void append_atom(const Atom& atom, std::string& out) {
  if (can_be_bare(atom.bytes)) {
    out += atom.bytes;
    return;
  }
  out += '"';
  append_size(atom.bytes.size(), out);
  out += ':';
  out += atom.bytes;
  out += '"';
}

void append_named(const std::vector<NamedValue>& named, std::string& out) {
  for (const NamedValue& parameter : named) {
    out += "\r\n";
    out += parameter.name;
    out += ": ";
    serialize_value(parameter.value, out);
    for (const Value& extra : parameter.extra_values) {
      out += ' ';
      serialize_value(extra, out);
    }
  }
  out += "\r\n";
}

void append_anonymous(const std::vector<Value>& values, std::string& out) {
  bool first = true;
  for (const Value& value : values) {
    if (!first) out += ' ';
    first = false;
    serialize_value(value, out);
  }
}

// Everything before the payload octets.
void append_head(const Message& message, std::string& out) {
  out += message.name;
  if (!message.anonymous.empty()) {
    out += ' ';
    append_anonymous(message.anonymous, out);
  }
  if (!message.named.empty()) append_named(message.named, out);
  if (message.payload) {
    out += "\r\n";
    append_size(message.payload->size(), out);
    out += ':';
  }
}

constexpr std::string_view kEnd = ";\r\n";
constexpr std::string_view kPayloadEnd = "\r\n;\r\n";

}  // namespace

void serialize_value(const Value& value, std::string& out) {
  if (const Atom* atom = value.as_atom()) {
    append_atom(*atom, out);
  } else if (const List* list = value.as_list()) {
    out += '(';
    bool first = true;
    for (const Value& item : list->items) {
      if (!first) out += ',';
      first = false;
      serialize_value(item, out);
    }
    out += ')';
  } else {
    const Structure& structure = *value.as_structure();
    out += '{';
    append_anonymous(structure.anonymous, out);
    if (!structure.named.empty()) append_named(structure.named, out);
    out += '}';
  }
}

void serialize(const Message& message, std::string& out) {
  append_head(message, out);
  if (message.payload) {
    out += message.payload->view();
    out += kPayloadEnd;
  } else {
    out += kEnd;
  }
}

std::string serialize(const Message& message) {
  std::string out;
  out.reserve(64 + (message.payload ? message.payload->size() : 0));
  serialize(message, out);
  return out;
}

std::array<std::string_view, 3> serialize_gather(const Message& message, std::string& head_storage) {
  head_storage.clear();
  append_head(message, head_storage);
  if (message.payload) return {head_storage, message.payload->view(), kPayloadEnd};
  head_storage += kEnd;
  return {head_storage, std::string_view(), std::string_view()};
}

}  // namespace ocp
