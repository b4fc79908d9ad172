#pragma once
// smtp §3.3.2: the processor's Allow applies to the callout server's "DUM
// messages with the same AM-Part and DUY messages referencing the data of
// DUM messages". Both agents keep this record per transaction: the callout
// server to know what it may send, the processor to judge what it received.

#include <cstdint>
#include <vector>

#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/supported_params.hpp"

namespace ocp::smtp {

class AllowRecord {
 public:
  /// One original DUM: its part, its data (my-offset, payload size) and its
  /// Allow (none() when omitted, smtp §3.3.2).
  void record(const AmPart& part, std::uint32_t offset, std::uint32_t size,
              const SupportedParams& allow);

  /// What the callout server may send on a DUM of this part: everything some
  /// original DUM of the part allowed (a processor that accepts a parameter
  /// for one piece of a part accepts it for the part).
  SupportedParams for_part(const AmPart& part) const;

  /// What it may send on a DUY reusing these original octets: everything
  /// some original DUM overlapping the range allowed. An empty range reuses
  /// no DUM's data and allows nothing.
  SupportedParams for_original_range(std::uint32_t org_offset, std::uint32_t org_size) const;

 private:
  struct Entry {
    AmPart part;
    std::uint64_t begin;
    std::uint64_t end;
    SupportedParams allow;
  };
  std::vector<Entry> entries_;
};

}  // namespace ocp::smtp
