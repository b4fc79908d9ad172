#pragma once
// Facts about the SMTP session a service may use (client address, HELO,
// TLS, authenticated identity): text keys and values.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "opes/plugin.h"

namespace opes::plugin_host {

using Metadata = std::vector<std::pair<std::string, std::string>>;

namespace metadata_key {
inline constexpr std::string_view client_address = OPES_META_CLIENT_ADDRESS;
inline constexpr std::string_view helo = OPES_META_HELO;
inline constexpr std::string_view tls = OPES_META_TLS;
inline constexpr std::string_view auth = OPES_META_AUTH;
inline constexpr std::string_view transaction_id = OPES_META_TRANSACTION_ID;
}  // namespace metadata_key

}  // namespace opes::plugin_host
