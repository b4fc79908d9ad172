#pragma once
// The `listeners` entries of the configuration (config.cpp): address, port,
// service group, protocol, tls mode and auth. Private to opes_proxy_gateway.

#include <filesystem>

#include "opes/proxy/config.hpp"

namespace opes::proxy::detail {

/// One listener object; the credentials file is read here, relative to `base`.
void read_listener(support::JsonReader& item, Listener& listener, const std::filesystem::path& base);

/// What needs the whole document: the top-level tls identity for implicit
/// TLS and for listeners offering only PLAIN or LOGIN.
void check_listeners(const ProxyConfig& config, support::JsonReader& reader);

}  // namespace opes::proxy::detail
