#include "support/random_message.hpp"

#include <set>
#include <string>

namespace ocp::test {

namespace {

constexpr std::string_view kAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::size_t below(std::mt19937& random, std::size_t bound) {
  return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random);
}

std::string random_name(std::mt19937& random) {
  std::string name(1, kAlpha[below(random, kAlpha.size())]);
  const std::size_t length = below(random, 12);
  for (std::size_t i = 0; i < length; ++i) name += kSafe[below(random, kSafe.size())];
  return name;
}

std::string random_bytes(std::mt19937& random, std::size_t max_length) {
  std::string bytes(below(random, max_length + 1), '\0');
  for (char& c : bytes) {
    // Favour the octets that matter to framing.
    static constexpr std::string_view kTricky = ";\r\n\"{}(),: 0";
    c = below(random, 3) == 0 ? kTricky[below(random, kTricky.size())]
                              : static_cast<char>(below(random, 256));
  }
  return bytes;
}

Value random_value(std::mt19937& random, int depth);

std::vector<NamedValue> random_named(std::mt19937& random, int depth, std::size_t max_count) {
  std::vector<NamedValue> named;
  std::set<std::string> seen;
  const std::size_t count = below(random, max_count + 1);
  for (std::size_t i = 0; i < count; ++i) {
    std::string name = random_name(random);
    if (name == "Kept" || !seen.insert(name).second) continue;
    named.push_back(NamedValue{std::move(name), random_value(random, depth), {}});
  }
  return named;
}

Value random_value(std::mt19937& random, int depth) {
  const std::size_t kind = depth <= 0 ? 0 : below(random, 4);
  if (kind == 2) {
    List list;
    const std::size_t count = below(random, 4);
    for (std::size_t i = 0; i < count; ++i) list.items.push_back(random_value(random, depth - 1));
    return Value(std::move(list));
  }
  if (kind == 3) {
    Structure structure;
    const std::size_t count = below(random, 3);
    for (std::size_t i = 0; i < count; ++i) {
      structure.anonymous.push_back(random_value(random, depth - 1));
    }
    structure.named = random_named(random, depth - 1, 2);
    return Value(std::move(structure));
  }
  if (below(random, 2) == 0) {
    std::string bare;
    const std::size_t length = 1 + below(random, 10);
    for (std::size_t i = 0; i < length; ++i) bare += kSafe[below(random, kSafe.size())];
    return Value::atom(bare);
  }
  return Value::atom(random_bytes(random, 24));
}

}  // namespace

Message random_message(std::mt19937& random, int max_depth) {
  Message message;
  message.name = random_name(random);
  const std::size_t anonymous = below(random, 4);
  for (std::size_t i = 0; i < anonymous; ++i) {
    message.anonymous.push_back(random_value(random, max_depth));
  }
  message.named = random_named(random, max_depth, 3);
  if (below(random, 4) == 0) {
    // A-3's two-value form, which only Kept may take.
    message.named.push_back(NamedValue{"Kept", Value::atom("12"), {Value::atom("34")}});
  }
  if (below(random, 2) == 0) message.payload = SharedBytes::copy_of(random_bytes(random, 300));
  return message;
}

}  // namespace ocp::test
