#include "opes/support/endpoint_text.hpp"

namespace opes::support {

std::string endpoint_text(std::string_view address, std::uint16_t port) {
  const bool ipv6 = address.find(':') != std::string_view::npos;
  std::string text;
  text.reserve(address.size() + 8);
  if (ipv6) text += '[';
  text += address;
  if (ipv6) text += ']';
  text += ':';
  text += std::to_string(port);
  return text;
}

}  // namespace opes::support
