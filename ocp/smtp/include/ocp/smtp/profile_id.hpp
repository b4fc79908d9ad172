#pragma once
// smtp §3.2: the two SMTP profiles and the feature identifiers that name them.

#include <optional>
#include <string_view>

namespace ocp::smtp {

/// smtp §3.2: which side of an SMTP exchange the OPES processor is on.
enum class Direction {
  sender,    // P is sending, or about to send, a message to another SMTP peer
  receiver,  // P is receiving, or has received, a message from an SMTP peer
};

/// smtp §3.2 profile IDs, byte for byte (A-24: not the RFC 4037 §14 prefix,
/// not registered, compared octet by octet and never normalised).
inline constexpr std::string_view kSenderProfileUri = "http://iana.org/opes/ocp/SMTP/sender";
inline constexpr std::string_view kReceiverProfileUri = "http://iana.org/opes/ocp/SMTP/receiver";

std::string_view profile_uri(Direction direction) noexcept;

/// The profile a feature uri names, or nullopt for any other uri (including
/// case or prefix variants of the two profile IDs).
std::optional<Direction> direction_of(std::string_view uri) noexcept;

std::string_view to_string(Direction direction) noexcept;

}  // namespace ocp::smtp
