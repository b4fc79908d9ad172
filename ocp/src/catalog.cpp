#include "ocp/catalog.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ocp {

namespace {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// ---- reading one value into a field ---------------------------------------

template <class T, class Reading>
Typed<void> store(Typed<T> reading, Reading& field) {
  if (!reading) return unexpected(reading.error());
  field = std::move(*reading);
  return {};
}

Typed<void> read_into(const Value& value, Xid& field) { return store(read_xid(value), field); }
Typed<void> read_into(const Value& value, ServiceGroupId& field) {
  return store(read_sg_id(value), field);
}
Typed<void> read_into(const Value& value, std::uint32_t& field) {
  return store(read_uni(value), field);
}
Typed<void> read_into(const Value& value, Percent& field) { return store(read_percent(value), field); }
Typed<void> read_into(const Value& value, bool& field) { return store(read_boolean(value), field); }
Typed<void> read_into(const Value& value, Result& field) { return store(read_result(value), field); }
Typed<void> read_into(const Value& value, Feature& field) { return store(read_feature(value), field); }
Typed<void> read_into(const Value& value, std::vector<Feature>& field) {
  return store(read_features(value), field);
}
Typed<void> read_into(const Value& value, std::vector<Service>& field) {
  return store(read_services(value), field);
}

template <class T>
Typed<void> read_named_into(const NamedValue& parameter, T& field) {
  if (!parameter.extra_values.empty()) return unexpected(TypeError{"takes a single value"});
  return read_into(parameter.value, field);
}

/// `Kept: o s` (as RFC 4037 declares it), `Kept: {o s}`, or the
/// drafts' `Kept: o` (size unknown).
Typed<void> read_named_into(const NamedValue& parameter, Kept& field) {
  std::vector<const Value*> parts{&parameter.value};
  if (const Structure* structure = parameter.value.as_structure()) {
    if (!parameter.extra_values.empty() || !structure->named.empty()) {
      return unexpected(TypeError{"Kept must be an offset and a size"});
    }
    parts.clear();
    for (const Value& member : structure->anonymous) parts.push_back(&member);
  } else {
    for (const Value& extra : parameter.extra_values) parts.push_back(&extra);
  }
  if (parts.empty() || parts.size() > 2) return unexpected(TypeError{"Kept must be an offset and a size"});
  Kept kept;
  if (auto offset = read_uni(*parts[0]); offset) {
    kept.offset = *offset;
  } else {
    return unexpected(TypeError{"org-offset: " + offset.error().reason});
  }
  if (parts.size() == 2) {
    auto size = read_uni(*parts[1]);
    if (!size) return unexpected(TypeError{"org-size: " + size.error().reason});
    kept.size = *size;
  }
  field = kept;
  return {};
}

// ---- writing one field into a value ----------------------------------------

Value write_value(const Xid& field) { return write_uni(field.value); }
Value write_value(const ServiceGroupId& field) { return write_uni(field.value); }
Value write_value(std::uint32_t field) { return write_uni(field); }
Value write_value(const Percent& field) { return write_uni(field.value); }
Value write_value(bool field) { return write_boolean(field); }
Value write_value(const Result& field) { return write_result(field); }
Value write_value(const Feature& field) { return write_feature(field); }
Value write_value(const std::vector<Feature>& field) { return write_features(field); }
Value write_value(const std::vector<Service>& field) { return write_services(field); }

template <class T>
NamedValue write_named(std::string_view name, const T& field) {
  return NamedValue{std::string(name), write_value(field), {}};
}

NamedValue write_named(std::string_view name, const Kept& field) {
  NamedValue parameter{std::string(name), write_uni(field.offset), {}};
  if (field.size) parameter.extra_values.push_back(write_uni(*field.size));
  return parameter;
}

// ---- the visitors -----------------------------------------------------------

class Decoder {
 public:
  explicit Decoder(const Message& message) : message_(message), used_(message.named.size(), false) {}

  template <class T>
  void anonymous(T& field, std::string_view name) {
    if (error_) return;
    if (next_anonymous_ >= message_.anonymous.size()) {
      if constexpr (is_optional<T>::value) {
        field.reset();
      } else {
        fail(name, "missing required anonymous parameter");
      }
      return;
    }
    const Value& value = message_.anonymous[next_anonymous_++];
    if constexpr (is_optional<T>::value) {
      typename T::value_type reading{};
      if (check(name, read_into(value, reading))) field = std::move(reading);
    } else {
      check(name, read_into(value, field));
    }
  }

  template <class T>
  void named(std::optional<T>& field, std::string_view name, std::string_view alias = {}) {
    if (error_) return;
    field.reset();
    const NamedValue* parameter = take(name);
    if (!parameter && !alias.empty()) parameter = take(alias);
    if (!parameter) return;
    T reading{};
    if (check(parameter->name, read_named_into(*parameter, reading))) field = std::move(reading);
  }

  void payload(SharedBytes& field) {
    if (error_) return;
    payload_declared_ = true;
    if (!message_.payload) {
      fail("payload", "missing required payload");
      return;
    }
    field = *message_.payload;
  }

  /// Moves what the type did not declare into its extensions.
  void finish(Extensions& extensions) {
    if (error_) return;
    extensions.anonymous.assign(message_.anonymous.begin() + static_cast<std::ptrdiff_t>(next_anonymous_),
                                message_.anonymous.end());
    for (std::size_t i = 0; i < message_.named.size(); ++i) {
      if (!used_[i]) extensions.named.push_back(message_.named[i]);
    }
    if (!payload_declared_) extensions.payload = message_.payload;
  }

  void skip_anonymous() { ++next_anonymous_; }
  const std::optional<CatalogError>& error() const { return error_; }

 private:
  const NamedValue* take(std::string_view name) {
    for (std::size_t i = 0; i < message_.named.size(); ++i) {
      if (message_.named[i].name == name) {
        used_[i] = true;
        return &message_.named[i];
      }
    }
    return nullptr;
  }

  bool check(std::string_view parameter, const Typed<void>& reading) {
    if (reading) return true;
    fail(parameter, reading.error().reason);
    return false;
  }

  void fail(std::string_view parameter, std::string reason) {
    error_ = CatalogError{message_.name, std::string(parameter), std::move(reason)};
  }

  const Message& message_;
  std::vector<bool> used_;
  std::size_t next_anonymous_ = 0;
  bool payload_declared_ = false;
  std::optional<CatalogError> error_;
};

class Encoder {
 public:
  explicit Encoder(Message& message) : message_(message) {}

  template <class T>
  void anonymous(const T& field, std::string_view) {
    if constexpr (is_optional<T>::value) {
      // Anonymous parameters are positional (§9): an absent optional one
      // ends the list, so nothing after it can be written either.
      if (field) message_.anonymous.push_back(write_value(*field));
    } else {
      message_.anonymous.push_back(write_value(field));
    }
  }

  template <class T>
  void named(const std::optional<T>& field, std::string_view name, std::string_view = {}) {
    if (field) message_.named.push_back(write_named(name, *field));
  }

  void payload(const SharedBytes& field) {
    payload_declared_ = true;
    message_.payload = field;
  }

  void finish(const Extensions& extensions) {
    message_.anonymous.insert(message_.anonymous.end(), extensions.anonymous.begin(),
                              extensions.anonymous.end());
    message_.named.insert(message_.named.end(), extensions.named.begin(), extensions.named.end());
    if (!payload_declared_ && extensions.payload) message_.payload = extensions.payload;
  }

 private:
  Message& message_;
  bool payload_declared_ = false;
};

// ---- the drafts' extra anonymous "am-id" -------------------------------

template <class T>
constexpr bool kHasLegacyAmId = requires(T t) { t.legacy_am_id; };

/// True when this message, read the legacy way, carries an am-id as its
/// second anonymous value.
template <class T>
bool carries_legacy_am_id(const Message& message) {
  if constexpr (std::is_same_v<T, DataUseMine>) {
    return message.anonymous.size() >= 3;
  } else if constexpr (std::is_same_v<T, ApplicationMessageEnd>) {
    return message.anonymous.size() >= 2 && message.anonymous[1].as_atom() != nullptr;
  } else {
    return message.anonymous.size() >= 2;
  }
}

// ---- decode / encode one type ---------------------------------------------

std::optional<CatalogError> find_duplicate(const Message& message) {
  const auto& named = message.named;
  for (std::size_t i = 1; i < named.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (named[i].name == named[j].name) {
        return CatalogError{message.name, named[i].name, "named parameter appears more than once"};
      }
    }
  }
  return std::nullopt;
}

template <class T>
Expected<AnyMessage, CatalogError> decode_as(const Message& message, const DecodeOptions& options) {
  T typed{};
  if constexpr (kHasLegacyAmId<T>) {
    if (options.legacy_am_id && carries_legacy_am_id<T>(message)) {
      Message shifted = message;
      auto am_id = read_uni(shifted.anonymous[1]);
      if (!am_id) return unexpected(CatalogError{message.name, "am-id", am_id.error().reason});
      shifted.anonymous.erase(shifted.anonymous.begin() + 1);
      auto decoded = decode_as<T>(shifted, DecodeOptions{});
      if (decoded) std::get<T>(*decoded).legacy_am_id = *am_id;
      return decoded;
    }
  }
  Decoder decoder(message);
  T::describe(typed, decoder);
  decoder.finish(typed.extensions);
  if (decoder.error()) return unexpected(*decoder.error());
  return AnyMessage(std::move(typed));
}

template <class T>
Message encode_as(const T& typed) {
  Message message;
  message.name = T::kName;
  Encoder encoder(message);
  T::describe(typed, encoder);
  encoder.finish(typed.extensions);
  if constexpr (kHasLegacyAmId<T>) {
    if (typed.legacy_am_id) {
      message.anonymous.insert(message.anonymous.begin() + 1, write_uni(*typed.legacy_am_id));
    }
  }
  return message;
}

using DecodeFunction = Expected<AnyMessage, CatalogError> (*)(const Message&, const DecodeOptions&);
struct CatalogEntry {
  std::string_view name;
  DecodeFunction decode;
};

template <std::size_t... I>
constexpr auto make_catalog(std::index_sequence<I...>) {
  return std::array<CatalogEntry, sizeof...(I)>{
      CatalogEntry{std::variant_alternative_t<I, AnyMessage>::kName,
                   &decode_as<std::variant_alternative_t<I, AnyMessage>>}...};
}

// Every alternative but the last (UnknownMessage).
constexpr auto kCatalog = make_catalog(std::make_index_sequence<std::variant_size_v<AnyMessage> - 1>());
static_assert(kCatalog.size() == 24, "RFC 4037 defines 24 messages");

}  // namespace

const NamedValue* Extensions::find(std::string_view name) const {
  const auto it = std::find_if(named.begin(), named.end(),
                               [&](const NamedValue& parameter) { return parameter.name == name; });
  return it == named.end() ? nullptr : &*it;
}

std::string CatalogError::describe() const {
  if (parameter.empty()) return message + ": " + reason;
  return message + ": parameter '" + parameter + "': " + reason;
}

Expected<AnyMessage, CatalogError> decode(const Message& message, const DecodeOptions& options) {
  for (const CatalogEntry& entry : kCatalog) {
    if (entry.name == message.name) {
      if (auto duplicate = find_duplicate(message)) return unexpected(std::move(*duplicate));
      return entry.decode(message, options);
    }
  }
  return AnyMessage(UnknownMessage{message});
}

Message encode(const AnyMessage& message) {
  return std::visit(
      [](const auto& typed) -> Message {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, UnknownMessage>) {
          return typed.message;
        } else {
          return encode_as(typed);
        }
      },
      message);
}

std::string_view name_of(const AnyMessage& message) {
  return std::visit(
      [](const auto& typed) -> std::string_view {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, UnknownMessage>) {
          return typed.message.name;
        } else {
          return T::kName;
        }
      },
      message);
}

}  // namespace ocp
