#pragma once
// The plugin host reports errors as values with the OCP libraries' std::expected
// stand-in (GCC 12 ships <expected> only for C++23), so that its results and
// the SMTP profile library's compose without conversion.

#include "ocp/expected.hpp"

namespace opes::plugin_host {

using ocp::Expected;
using ocp::Unexpected;
using ocp::unexpected;

}  // namespace opes::plugin_host
