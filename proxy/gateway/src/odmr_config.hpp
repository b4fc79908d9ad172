#pragma once
// The `odmr` settings (RFC 2645) and what they add to the rest of the
// configuration: the hold queue as a destination with a route for every
// customer domain, and those domains as relay domains (the gateway is
// their MX: anyone may send to them).

#include <filesystem>

#include "opes/proxy/config.hpp"

namespace opes::proxy::detail {

void read_odmr(support::JsonReader& reader, OdmrSettings& odmr, const std::filesystem::path& base);

/// After build_routing(): the `hold` destination and its routes (a customer
/// domain already routed is an error: mail for it could not be held), the
/// customer domains as relay domains, and each odmr listener's AUTH with
/// the customers' credentials (CRAM-MD5 always: RFC 2645 §5.1.2 MUST).
void apply_odmr(ProxyConfig& config, support::JsonReader& reader);

void check_odmr(const ProxyConfig& config, support::JsonReader& reader);

}  // namespace opes::proxy::detail
