#pragma once
// The JSON view ocpdump prints of an OCP message. RFC 4037 §3.1 data (atoms
// and payloads) is arbitrary octets while JSON text is Unicode, so octets
// that are valid UTF-8 (§3.1's default encoding) appear as JSON strings and
// anything else as base64, never lossily.
//
// Value shapes:
//   atom      -> "text"  or  {"base64": "..."}
//   list      -> [value, ...]
//   structure -> {"anonymous": [value, ...], "named": [{"name": .., "value": ..}, ...]}
// A named parameter gets "extra_values" only when it has some (the A-3
// `Kept: org-offset org-size` form).

#include <nlohmann/json.hpp>

#include "ocp/catalog.hpp"
#include "ocp/message.hpp"
#include "ocp/value.hpp"

namespace ocp::tools {

// Ordered, so that keys come out in the order a reader of the wire expects
// (name, parameters, payload) rather than alphabetically.
using Json = nlohmann::ordered_json;

Json value_to_json(const Value& value);
Json named_value_to_json(const NamedValue& named_value);

/// {"name", "anonymous", "named", "payload"}; "payload" is absent when the
/// message has none, else {"size", "text"} or {"size", "base64"}.
Json message_to_json(const Message& message);

/// The §11 typed check of the message: {"valid": true}, {"valid": false,
/// "error": CatalogError::describe()}, or {"known": false} for a name Core
/// does not define (§11: such messages are ignored, not invalid).
Json catalog_check_to_json(const Message& message, const DecodeOptions& options);

}  // namespace ocp::tools
