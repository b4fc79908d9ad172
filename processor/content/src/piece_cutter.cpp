#include "piece_cutter.hpp"

#include <algorithm>

namespace opes::processor::detail {

void PieceCutter::add(const std::optional<ocp::smtp::AmPart>& part, bool adaptive,
                      std::string_view bytes, bool new_instance) {
  const bool kept = !part.has_value();
  if (kept) adaptive = false;
  const bool same_region = open_ && current_.part == part && current_.adaptive == adaptive;
  if (!same_region || (new_instance && !kept)) {
    flush();
    current_ = OriginalPiece{part, {}, new_instance && !kept, adaptive};
    open_ = true;
  }
  // smtp §3.3.1: only RAWDATA, ALLHEADERS, BODY and SECTIONS may span DUMs;
  // a SINGLEHEADERS field stays whole (max_header_field bounds it).
  if (!kept && !part->can_span_dums()) {
    current_.bytes.append(bytes);
    return;
  }
  while (!bytes.empty()) {
    if (current_.bytes.size() >= max_piece_) {
      // A continuation piece of the same instance.
      OriginalPiece full = std::move(current_);
      current_ = OriginalPiece{full.part, {}, false, full.adaptive};
      ready_.push_back(std::move(full));
    }
    const std::size_t take = std::min(bytes.size(), max_piece_ - current_.bytes.size());
    current_.bytes.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
  }
}

void PieceCutter::flush() {
  if (!open_) return;
  open_ = false;
  if (current_.bytes.empty() && !current_.starts_instance) return;
  ready_.push_back(std::move(current_));
  current_ = OriginalPiece{};
}

std::optional<OriginalPiece> PieceCutter::next() {
  if (ready_.empty()) return std::nullopt;
  OriginalPiece piece = std::move(ready_.front());
  ready_.pop_front();
  return piece;
}

}  // namespace opes::processor::detail
