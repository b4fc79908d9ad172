#include "literal_matcher.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>

namespace content_filter {

namespace {
constexpr std::uint32_t none = 0xffffffffu;
}

LiteralMatcher::LiteralMatcher(const std::vector<std::string>& patterns, bool fold_case)
    : fold_case_(fold_case) {
  nodes_.emplace_back();
  // The trie of the (folded) patterns.
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    if (patterns[p].empty()) throw std::invalid_argument("empty pattern");
    std::uint32_t node = 0;
    for (char raw : patterns[p]) {
      const unsigned char c = fold(static_cast<unsigned char>(raw));
      std::uint32_t next = child(node, c);
      if (next == none) {
        next = static_cast<std::uint32_t>(nodes_.size());
        nodes_.emplace_back();
        auto& edges = nodes_[node].next;
        edges.insert(std::lower_bound(edges.begin(), edges.end(), std::make_pair(c, 0u)),
                     std::make_pair(c, next));
      }
      node = next;
    }
    if (nodes_[node].output < 0) nodes_[node].output = static_cast<std::int64_t>(p);
  }
  patterns_ = patterns.size();

  for (unsigned c = 0; c < 256; ++c) {
    const std::uint32_t next = child(0, static_cast<unsigned char>(c));
    root_next_[c] = next == none ? 0 : next;
  }
  // Failure links breadth-first: a node's link is the longest proper suffix
  // of its string that is in the trie; outputs are inherited through it.
  std::deque<std::uint32_t> queue;
  for (const auto& [c, next] : nodes_[0].next) {
    nodes_[next].fail = 0;
    queue.push_back(next);
  }
  while (!queue.empty()) {
    const std::uint32_t node = queue.front();
    queue.pop_front();
    for (const auto& [c, next] : nodes_[node].next) {
      const std::uint32_t link = step(nodes_[node].fail, c);
      nodes_[next].fail = link;
      if (nodes_[next].output < 0) nodes_[next].output = nodes_[link].output;
      queue.push_back(next);
    }
  }
}

std::uint32_t LiteralMatcher::child(std::uint32_t node, unsigned char byte) const noexcept {
  const auto& edges = nodes_[node].next;
  const auto it = std::lower_bound(edges.begin(), edges.end(), std::make_pair(byte, 0u));
  return it != edges.end() && it->first == byte ? it->second : none;
}

// The goto function with failure links; the amortised cost per input byte
// is constant because every failure step shortens the current match.
std::uint32_t LiteralMatcher::step(std::uint32_t node, unsigned char byte) const noexcept {
  while (node != 0) {
    const std::uint32_t next = child(node, byte);
    if (next != none) return next;
    node = nodes_[node].fail;
  }
  return root_next_[byte];
}

std::optional<std::size_t> LiteralMatcher::scan(State& state,
                                                std::string_view bytes) const noexcept {
  if (patterns_ == 0) return std::nullopt;
  std::uint32_t node = state.node;
  for (char raw : bytes) {
    node = step(node, fold(static_cast<unsigned char>(raw)));
    if (nodes_[node].output >= 0) {
      state.node = node;
      return static_cast<std::size_t>(nodes_[node].output);
    }
  }
  state.node = node;
  return std::nullopt;
}

}  // namespace content_filter
