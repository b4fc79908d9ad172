#pragma once
// What the configuration readers share about the files a configuration
// names: a relative path is taken from the configuration file's folder, and
// a file read whole at load time (credentials, customers) is read to at most
// one octet past its parser's bound, so that a huge file or a device is not.

#include <cstddef>
#include <filesystem>
#include <string>

#include "ocp/expected.hpp"

namespace opes::proxy::detail {

/// `path` as configured, relative to `base` unless absolute (or `base` empty).
std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path);

/// Up to `max_size` + 1 octets of `file`; the error says "cannot read FILE".
ocp::Expected<std::string, std::string> read_bounded(const std::filesystem::path& file, std::size_t max_size);

}  // namespace opes::proxy::detail
