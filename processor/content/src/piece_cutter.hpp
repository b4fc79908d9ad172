#pragma once
// Cuts the splitter's regions into OriginalPieces: a piece ends where its
// part instance ends or at max_piece octets, never where a chunk happened
// to end, so the pieces do not depend on how the message was fed (P-9).

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>

#include "opes/processor/original_piece.hpp"

namespace opes::processor::detail {

class PieceCutter {
 public:
  explicit PieceCutter(std::size_t max_piece) : max_piece_(max_piece == 0 ? 1 : max_piece) {}

  /// Adds octets of `part` (nullopt: kept). `new_instance` starts a part
  /// instance, even with no octets (an empty part is still sent, P-8).
  void add(const std::optional<ocp::smtp::AmPart>& part, bool adaptive, std::string_view bytes,
           bool new_instance);
  /// Ends the piece under construction (at the end of the message).
  void flush();

  std::optional<OriginalPiece> next();
  bool empty() const noexcept { return ready_.empty(); }

 private:
  std::size_t max_piece_;
  bool open_ = false;
  OriginalPiece current_;
  std::deque<OriginalPiece> ready_;
};

}  // namespace opes::processor::detail
