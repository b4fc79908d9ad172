#pragma once
// The configuration opes-proxy runs without --config: config/opes-proxy.json
// as it was at build time, its relative paths (the spool) resolved against
// the build tree, so that the default works from any directory.

#include <filesystem>
#include <string_view>

namespace opes::proxy::daemon {

std::string_view default_config_text();
/// The folder the default's relative paths are taken from.
std::filesystem::path default_config_base();

}  // namespace opes::proxy::daemon
