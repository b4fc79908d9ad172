#include "ocp/engine/preservation.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace ocp::engine {

OctetRange OctetRange::intersect(const OctetRange& other) const {
  OctetRange r{std::max(begin, other.begin), std::min(end, other.end)};
  if (r.end < r.begin) r.end = r.begin;
  return r;
}

namespace {

/// A slice of shared bytes that keeps the whole owner alive (no copy).
SharedBytes slice(const SharedBytes& bytes, std::size_t from, std::size_t size) {
  auto owner = std::make_shared<SharedBytes>(bytes);
  return SharedBytes(owner, owner->view().substr(from, size));
}

std::optional<OctetRange> range_of(const Kept& kept) {
  if (!kept.size) return std::nullopt;
  return OctetRange::of(kept.offset, *kept.size);
}

}  // namespace

OctetRange PreservedStore::committed() const {
  return kept_ ? kept_->intersect(reusable_) : OctetRange{};
}

std::string PreservedStore::check_kept(const Kept& kept, std::uint64_t sent,
                                       std::size_t max_bytes) const {
  auto next = range_of(kept);
  if (!next) return {};  // offset alone, no commitment
  if (*kept.size > max_bytes) return "Kept size exceeds the preservation limit";
  // §7: what was promised and is still reusable stays promised.
  if (!next->contains(committed())) return "Kept drops octets already promised";
  // Octets already sent can only be promised if we still hold them.
  OctetRange sent_part = next->intersect({0, sent});
  if (!committed().contains(sent_part)) return "Kept names sent octets that were not preserved";
  return {};
}

void PreservedStore::announce(const Kept& kept) {
  if (auto next = range_of(kept)) kept_ = *next;
}

void PreservedStore::on_sent(std::uint64_t offset, const SharedBytes& payload) {
  OctetRange keep = committed().intersect(OctetRange::of(offset, payload.size()));
  if (keep.empty()) return;
  chunks_[keep.begin] = slice(payload, keep.begin - offset, keep.end - keep.begin);
  held_ += keep.end - keep.begin;
}

bool PreservedStore::on_interest(OctetRange reusable) {
  if (!reusable_.contains(reusable)) return false;
  reusable_ = reusable.empty() ? OctetRange{reusable.begin, reusable.begin} : reusable;
  trim();
  return true;
}

void PreservedStore::trim() {
  OctetRange keep = committed();
  std::map<std::uint64_t, SharedBytes> kept_chunks;
  held_ = 0;
  for (const auto& [offset, bytes] : chunks_) {
    OctetRange part = keep.intersect(OctetRange::of(offset, bytes.size()));
    if (part.empty()) continue;
    kept_chunks[part.begin] = slice(bytes, part.begin - offset, part.end - part.begin);
    held_ += part.end - part.begin;
  }
  chunks_ = std::move(kept_chunks);
}

std::optional<SharedBytes> PreservedStore::resolve(OctetRange range) const {
  if (!committed().contains(range)) return std::nullopt;
  if (range.empty()) return SharedBytes{};
  // Chunks are disjoint and sorted; the range must be covered without holes.
  auto it = chunks_.upper_bound(range.begin);
  if (it == chunks_.begin()) return std::nullopt;
  --it;
  if (it->first + it->second.size() >= range.end) {
    return slice(it->second, range.begin - it->first, range.end - range.begin);
  }
  std::string joined;
  std::uint64_t at = range.begin;
  for (; it != chunks_.end() && at < range.end; ++it) {
    std::uint64_t chunk_end = it->first + it->second.size();
    if (it->first > at || chunk_end <= at) return std::nullopt;
    std::uint64_t upto = std::min(chunk_end, range.end);
    joined.append(it->second.view().substr(at - it->first, upto - at));
    at = upto;
  }
  if (at < range.end) return std::nullopt;
  return SharedBytes::adopt(std::move(joined));
}

void PreservedStore::release() {
  kept_.reset();
  chunks_.clear();
  held_ = 0;
}

ReuseTracker::KeptVerdict ReuseTracker::on_kept(const Kept& kept) {
  auto next = range_of(kept);
  OctetRange committed = kept_ ? kept_->intersect(reusable_) : OctetRange{};
  bool broken = !next || !next->contains(committed);
  if (!broken) {
    kept_ = *next;
    return KeptVerdict::accepted;
  }
  if (duy_sent_) return KeptVerdict::invalid;
  poisoned_ = true;
  return KeptVerdict::poisoned;
}

bool ReuseTracker::can_use(OctetRange range) const {
  if (poisoned_ || !kept_) return false;
  return kept_->intersect(reusable_).contains(range) && !range.empty();
}

bool ReuseTracker::interest(OctetRange reusable) {
  if (!reusable_.contains(reusable)) return false;
  reusable_ = reusable;
  return true;
}

}  // namespace ocp::engine
