#include "value_kinds.hpp"

namespace ocp::smtp::detail {

std::string quoted(std::string_view bytes) {
  constexpr std::size_t kShown = 32;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string shown = "'";
  for (char c : bytes.substr(0, kShown)) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet >= 0x20 && octet < 0x7f) {
      shown += c;
    } else {
      shown += "\\x";
      shown += kHex[octet >> 4];
      shown += kHex[octet & 15];
    }
  }
  if (bytes.size() > kShown) shown += "...";
  return shown + "'";
}

}  // namespace ocp::smtp::detail
