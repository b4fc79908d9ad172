#pragma once
// The configuration opes-callout runs without --config: config/opes-callout.json
// as it was at build time. Nothing in it depends on the build tree.

#include <filesystem>
#include <string_view>

namespace opes::callout::daemon {

/// The JSON text.
std::string_view default_config_text();

/// Where relative plugin paths are found when neither --plugin-dir, the
/// plugin_dir key nor $OPES_PLUGIN_DIR says: the folder `cmake --install`
/// puts the plugins in (<libdir>/opes-smtp/plugins under CMAKE_INSTALL_PREFIX).
std::filesystem::path default_plugin_directory();

}  // namespace opes::callout::daemon
