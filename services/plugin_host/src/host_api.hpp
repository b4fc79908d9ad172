#pragma once
// The opes_host_api table the host hands to every service instance.

#include "opes/plugin.h"

namespace opes::plugin_host::detail {

const opes_host_api* host_api() noexcept;

}  // namespace opes::plugin_host::detail
