#pragma once
// The top-level `host_policy` object of the configuration (which servers a
// client may name with HOST) and the checks that need the whole document.
// Private to opes_proxy_gateway.

#include <filesystem>

#include "opes/proxy/config.hpp"

namespace opes::proxy::detail {

/// `host_policy`: rules and limits; ca_file relative to `base`.
void read_host_policy(support::JsonReader& reader, host::HostPolicy& policy, const std::filesystem::path& base);

/// Rules' service groups exist; a listener with `host` needs rules;
/// require_auth needs `auth` on every SMTP listener with `host`.
void check_host_policy(const ProxyConfig& config, support::JsonReader& reader);

}  // namespace opes::proxy::detail
