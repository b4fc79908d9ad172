#pragma once
// The configuration opes-proxy runs without --config: config/opes-proxy.json
// as it was at build time, its relative paths (the spool) resolved against
// the state folder, so that the default works from any directory and
// nothing in it depends on the build tree.

#include <filesystem>
#include <string_view>

namespace opes::proxy::daemon {

std::string_view default_config_text();
/// The installed state folder (<localstatedir>/spool/opes-proxy): where the
/// default's relative paths are taken from unless $OPES_PROXY_STATE_DIR says.
std::filesystem::path default_config_base();

}  // namespace opes::proxy::daemon
