#pragma once
// RFC 4037 §10: the typed readings of parameter values. Each reading checks
// its value (§10: "before using a parameter an agent MUST check it against
// its type") and says what is wrong when it does not fit.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/value.hpp"

namespace ocp {

/// Why a value does not have the type asked for.
struct TypeError {
  std::string reason;
};

template <class T>
using Typed = Expected<T, TypeError>;

/// §10.2 uni, and every type built on it or on the same dec-number syntax
/// (size, offset): 0..2147483647 without leading zeros or signs.
constexpr std::uint32_t kMaxUni = 2147483647;

/// §10.7 xid: a transaction identifier, unique within the OCP connection.
struct Xid {
  std::uint32_t value = 0;
  friend auto operator<=>(const Xid&, const Xid&) = default;
};

/// §10.8 sg-id: a service group identifier, unique on the OCP connection.
struct ServiceGroupId {
  std::uint32_t value = 0;
  friend auto operator<=>(const ServiceGroupId&, const ServiceGroupId&) = default;
};

/// §10.5 percent (and §10.9 modp, which extends it): 0..100.
struct Percent {
  std::uint8_t value = 0;
  friend auto operator<=>(const Percent&, const Percent&) = default;
};

/// §10.10 result: a status code and an optional reason for humans.
struct Result {
  static constexpr std::uint32_t kOk = 200;
  static constexpr std::uint32_t kPartial = 206;
  static constexpr std::uint32_t kFailure = 400;

  std::uint32_t code = kOk;
  std::optional<std::string> reason;
  Structure extensions;  // members after the reason, kept for extensions

  static Result ok() { return {kOk, "OK", {}}; }
  static Result partial(std::string reason = "partial") { return {kPartial, std::move(reason), {}}; }
  static Result failure(std::string reason = "failure") { return {kFailure, std::move(reason), {}}; }

  /// §10.10: a code unknown in the current context is handled as 400.
  std::uint32_t effective_code(bool partial_known = false) const {
    if (code == kOk || code == kFailure || (partial_known && code == kPartial)) return code;
    return kFailure;
  }

  friend bool operator==(const Result&, const Result&) = default;
};

/// §10.11 feature: a uri naming it, plus feature-specific members.
struct Feature {
  std::string uri;
  Structure attributes;  // members after the uri

  const NamedValue* attribute(std::string_view name) const { return attributes.find(name); }
  friend bool operator==(const Feature&, const Feature&) = default;
};

/// §10.13 service: a uri naming the OPES service, plus service-specific members.
struct Service {
  std::string uri;
  Structure attributes;
  friend bool operator==(const Service&, const Service&) = default;
};

// Readings. Each takes any value and checks it.
Typed<std::uint32_t> read_uni(const Value& value);  // also size and offset
Typed<Xid> read_xid(const Value& value);
Typed<ServiceGroupId> read_sg_id(const Value& value);
Typed<Percent> read_percent(const Value& value);  // also modp
Typed<bool> read_boolean(const Value& value);
Typed<std::string> read_uri(const Value& value);
Typed<Result> read_result(const Value& value);
Typed<Feature> read_feature(const Value& value);
Typed<std::vector<Feature>> read_features(const Value& value);
Typed<Service> read_service(const Value& value);
Typed<std::vector<Service>> read_services(const Value& value);

// Writings: the canonical value of each type.
Value write_uni(std::uint32_t number);
Value write_boolean(bool truth);
Value write_result(const Result& result);
Value write_feature(const Feature& feature);
Value write_features(const std::vector<Feature>& features);
Value write_service(const Service& service);
Value write_services(const std::vector<Service>& services);

/// RFC 2396 URI-reference characters (A-35: relative references such as
/// RFC 4236's "ocp-test.example.com/url-filter" are accepted; compared octet
/// by octet, never normalised).
bool is_uri_reference(std::string_view text) noexcept;

}  // namespace ocp
