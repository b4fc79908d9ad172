#pragma once
// RFC 4037 §7, §11.9–§11.11: data preservation, both ends (digest c.8).
// Ranges are half-open octet ranges of the original dataflow.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "ocp/catalog.hpp"
#include "ocp/shared_bytes.hpp"

namespace ocp::engine {

struct OctetRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  // exclusive

  static OctetRange of(std::uint64_t offset, std::uint64_t size) { return {offset, offset + size}; }
  static OctetRange everything() { return {0, std::uint64_t{1} << 62}; }
  bool empty() const { return end <= begin; }
  bool contains(const OctetRange& inner) const {
    return inner.empty() || (begin <= inner.begin && inner.end <= end);
  }
  OctetRange intersect(const OctetRange& other) const;
  friend bool operator==(const OctetRange&, const OctetRange&) = default;
};

/// Processor side: the original octets announced with Kept, held as shared
/// slices of what was sent (no copy), so a DUY can be turned into bytes.
class PreservedStore {
 public:
  /// Checks a Kept the application wants to send before the DUM at
  /// `sent` (octets sent so far) carrying `payload_size` octets. The empty
  /// string means acceptable; otherwise why not.
  std::string check_kept(const Kept& kept, std::uint64_t sent, std::size_t max_bytes) const;
  /// Records the Kept sent (A-3: an offset alone announces nothing).
  void announce(const Kept& kept);
  /// Keeps the part of a sent DUM payload that lies in the committed range.
  void on_sent(std::uint64_t offset, const SharedBytes& payload);
  /// §11.11: false when the DPI grows the reusable range (invalid).
  bool on_interest(OctetRange reusable);
  /// §11.10: the preserved octets, or nullopt when any of them is not held.
  std::optional<SharedBytes> resolve(OctetRange range) const;
  /// S's AME, TE and CE end the commitment.
  void release();

  OctetRange committed() const;  // kept ∩ reusable
  std::size_t held_bytes() const { return held_; }

 private:
  void trim();

  std::optional<OctetRange> kept_;
  OctetRange reusable_ = OctetRange::everything();
  std::map<std::uint64_t, SharedBytes> chunks_;  // offset → octets, disjoint
  std::size_t held_ = 0;
};

/// Callout server side: what the last Kept and DPI allow us to DUY.
class ReuseTracker {
 public:
  enum class KeptVerdict { accepted, poisoned, invalid };
  /// §11.9: a Kept that breaks the rules poisons preservation before the
  /// first DUY and makes the DUM invalid after it. A-3: an offset alone is broken.
  KeptVerdict on_kept(const Kept& kept);
  bool can_use(OctetRange range) const;
  void on_duy() { duy_sent_ = true; }
  /// §11.11: the new reusable range must lie inside the previous one.
  bool interest(OctetRange reusable);
  bool poisoned() const { return poisoned_; }

 private:
  std::optional<OctetRange> kept_;
  OctetRange reusable_ = OctetRange::everything();
  bool duy_sent_ = false;
  bool poisoned_ = false;
};

}  // namespace ocp::engine
