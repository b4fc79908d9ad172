#pragma once
// Finds where each OCP message ends without parsing it: RFC 4037 §3.1 lets
// `;` and CR LF appear inside quoted values and payloads, so the boundary
// comes from the structure and the size prefixes, never from a search.
//
// The framer is resumable: it remembers how far it scanned, so every octet
// outside quoted data and payloads is looked at once, and data inside them is
// skipped by its length. It also rejects early what can never become a valid
// message (stray octets, broken size prefixes, limits), so a peer cannot make
// us buffer garbage up to the message size limit.

#include <cstddef>
#include <cstdint>
#include <string>

#include "ocp/limits.hpp"

namespace ocp {

class Framer {
 public:
  enum class Status { need_more, complete, error };

  explicit Framer(const Limits& limits) : limits_(limits) {}

  /// Scans the current message, whose first `available` octets start at
  /// `message`. Octets already scanned by an earlier call are not read again,
  /// so the caller may move the bytes between calls.
  Status scan(const char* message, std::size_t available);

  /// After complete: the message length.
  std::size_t message_size() const noexcept { return position_; }
  /// After error: the offending octet's offset within the message, and why.
  std::size_t error_offset() const noexcept { return position_; }
  const std::string& error_reason() const noexcept { return error_; }
  /// While need_more: how many octets the message needs at least in total
  /// (exact once a payload's size prefix has been read).
  std::size_t size_hint() const noexcept { return size_hint_; }
  /// True once the scan has reached the message's payload.
  bool has_payload() const noexcept { return in_payload_; }
  /// True if no octet of a message has been scanned.
  bool at_message_start() const noexcept { return position_ == 0; }

  /// Prepares for the next message.
  void reset();

 private:
  enum class State : std::uint8_t;
  enum class Section : std::uint8_t { head, named, blank_line };

  Status fail(std::string reason);
  bool count_value();
  void begin_size(bool payload);

  Limits limits_;
  State state_{};
  Section section_ = Section::head;
  std::size_t position_ = 0;
  std::size_t size_hint_ = 0;
  std::size_t depth_ = 0;
  std::size_t values_ = 0;
  std::size_t token_length_ = 0;
  std::uint64_t number_ = 0;      // size prefix being read
  std::size_t number_digits_ = 0;
  std::uint64_t remaining_ = 0;   // octets of data still to skip
  bool in_payload_ = false;
  std::size_t tail_matched_ = 0;  // of the CR LF ";" CR LF after a payload
  std::string error_;
};

}  // namespace ocp
