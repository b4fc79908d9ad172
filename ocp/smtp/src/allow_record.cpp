#include "ocp/smtp/allow_record.hpp"

namespace ocp::smtp {

void AllowRecord::record(const AmPart& part, std::uint32_t offset, std::uint32_t size,
                         const SupportedParams& allow) {
  entries_.push_back({part, offset, std::uint64_t{offset} + size, allow});
}

SupportedParams AllowRecord::for_part(const AmPart& part) const {
  SupportedParams allowed;
  for (const Entry& entry : entries_) {
    if (entry.part == part) allowed |= entry.allow;
  }
  return allowed;
}

SupportedParams AllowRecord::for_original_range(std::uint32_t org_offset,
                                                std::uint32_t org_size) const {
  SupportedParams allowed;
  const std::uint64_t begin = org_offset;
  const std::uint64_t end = begin + org_size;
  for (const Entry& entry : entries_) {
    if (entry.begin < end && begin < entry.end) allowed |= entry.allow;
  }
  return allowed;
}

}  // namespace ocp::smtp
