#pragma once
// The configuration opes-callout runs without --config: config/opes-callout.json
// as it was at build time, its plugin paths pointing at this build's plugins.

#include <filesystem>
#include <string_view>

namespace opes::callout::daemon {

/// The JSON text, with plugin paths reduced to file names.
std::string_view default_config_text();

/// Where those file names are found: the build tree's plugin folder.
std::filesystem::path default_plugin_directory();

}  // namespace opes::callout::daemon
