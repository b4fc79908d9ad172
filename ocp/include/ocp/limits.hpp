#pragma once
// RFC 4037 §13 leaves sizes unbounded; an implementation must bound them.
// Going past a limit makes the message invalid (§5) and is reported before
// anything of that size is allocated.

#include <cstddef>
#include <cstdint>

namespace ocp {

struct Limits {
  std::size_t max_message_size = 16u << 20;  // octets, whole message including payload
  std::size_t max_payload_size = 16u << 20;  // octets of one payload
  std::size_t max_value_length = 64u << 10;  // octets of one atom (bare or quoted)
  std::size_t max_depth = 16;                // nested lists and structures
  std::size_t max_values = 4096;             // atoms, lists and structures in one message
};

/// Reading choices for input that is not strictly RFC 4037 but unambiguous.
/// Each is documented in docs/ocp-conformance.md under its A-n item.
struct ParseOptions {
  Limits limits;
  /// accept `Kept: <offset> <size>` (two SP-separated values) as RFC
  /// 4037 §11.9 declares it. Only the parameter named Kept may do this.
  bool multi_value_kept = true;
  /// accept one SP right after `{` and right before `}` (RFC 4037
  /// §10.10 prints `{ 200 OK }`). Off: strictly invalid.
  bool spaces_inside_braces = false;
};

}  // namespace ocp
