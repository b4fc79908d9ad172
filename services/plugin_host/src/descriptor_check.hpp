#pragma once
// Reads a plugin's service descriptor into a ServiceInfo, refusing one that
// breaks the ABI's rules (opes/plugin.h) before any of its functions runs.

#include <cstdint>
#include <string>

#include "opes/plugin.h"
#include "opes/plugin_host/expected.hpp"
#include "opes/plugin_host/service_info.hpp"

namespace opes::plugin_host::detail {

/// `abi_minor` is the plugin's: fields of later minors are not read.
Expected<ServiceInfo, std::string> read_service_descriptor(const opes_service_descriptor* service,
                                                           std::uint32_t abi_minor);

}  // namespace opes::plugin_host::detail
