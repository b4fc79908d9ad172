#pragma once
// Bytes in, typed messages out (and back), through the OCP codec, so that
// the profile's tests start from what travels on the wire.

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <variant>

#include "ocp/catalog.hpp"
#include "ocp/serializer.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/stream_parser.hpp"
#include "support/vectors.hpp"

namespace ocp::smtp::test {

inline Message parse_one(std::string_view bytes) {
  auto parsed = parse_message(bytes);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().describe()));
  return *parsed;
}

template <class T>
T decode_as(std::string_view bytes, const DecodeOptions& options = {}) {
  auto decoded = decode(parse_one(bytes), options);
  REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().describe()));
  REQUIRE(std::holds_alternative<T>(*decoded));
  return std::get<T>(*decoded);
}

/// The draft's figures put an am-id after the xid.
inline DecodeOptions legacy_am_id() {
  DecodeOptions options;
  options.legacy_am_id = true;
  return options;
}

inline const std::string& vector_message(std::string_view id, std::size_t index) {
  const auto& vector = ocp::test::conformance_vector(id);
  REQUIRE(index < vector.messages.size());
  return vector.messages[index].bytes;
}

template <class T>
std::string encoded(const T& message) {
  return serialize(encode(AnyMessage(message)));
}

/// A value written alone, in canonical RFC 4037 form.
inline std::string bytes_of(const Value& value) {
  return serialize_value(value);
}

/// The value of a parameter-shaped snippet, e.g. value_of("(RCPT,DATA)").
inline Value value_of(std::string_view text) {
  const Message message = parse_one("X " + std::string(text) + ";\r\n");
  REQUIRE(message.anonymous.size() == 1);
  return message.anonymous[0];
}

inline AmPart part(std::string_view token) {
  return AmPart::from_token(token);
}

}  // namespace ocp::smtp::test
