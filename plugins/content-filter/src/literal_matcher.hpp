#pragma once
// Finds any of a set of literal byte strings in a stream (Aho-Corasick).
// The scan state is a value the caller keeps between chunks, so a pattern
// split over two chunks is found like any other. Time is linear in the
// input whatever the patterns are, which is why the filter uses this and
// not std::regex on untrusted mail (docs/plugins/content-filter.md).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace content_filter {

class LiteralMatcher {
 public:
  /// `fold_case`: ASCII letters match either case. Throws
  /// std::invalid_argument on an empty pattern.
  LiteralMatcher(const std::vector<std::string>& patterns, bool fold_case);

  /// Where a scan has got to; starts at the beginning of the stream.
  struct State {
    std::uint32_t node = 0;
  };

  /// Advances over `bytes`; the index of a pattern that ends in them (the
  /// first one reached), or nullopt.
  std::optional<std::size_t> scan(State& state, std::string_view bytes) const noexcept;

  bool empty() const noexcept { return patterns_ == 0; }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::uint32_t>> next;  // sorted by byte
    std::uint32_t fail = 0;
    std::int64_t output = -1;  // a pattern ending here or at a suffix of here
  };

  std::uint32_t child(std::uint32_t node, unsigned char byte) const noexcept;
  std::uint32_t step(std::uint32_t node, unsigned char byte) const noexcept;
  unsigned char fold(unsigned char c) const noexcept {
    return fold_case_ && c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
  }

  std::vector<Node> nodes_;
  std::uint32_t root_next_[256];  // dense row for the root: most steps end there
  std::size_t patterns_ = 0;
  bool fold_case_;
};

}  // namespace content_filter
