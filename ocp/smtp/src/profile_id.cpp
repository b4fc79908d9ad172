#include "ocp/smtp/profile_id.hpp"

namespace ocp::smtp {

std::string_view profile_uri(Direction direction) noexcept {
  return direction == Direction::sender ? kSenderProfileUri : kReceiverProfileUri;
}

std::optional<Direction> direction_of(std::string_view uri) noexcept {
  // the whole uri, octet by octet.
  if (uri == kSenderProfileUri) return Direction::sender;
  if (uri == kReceiverProfileUri) return Direction::receiver;
  return std::nullopt;
}

std::string_view to_string(Direction direction) noexcept {
  return direction == Direction::sender ? "sender" : "receiver";
}

}  // namespace ocp::smtp
