#pragma once
// US-ASCII helpers shared by the profile's case-insensitive names (header
// field names, EHLO keywords). Never locale-dependent.

#include <cstddef>
#include <string_view>

#include "ocp/smtp/ascii.hpp"

namespace ocp::smtp::detail {

using namespace ocp::smtp::ascii;

}  // namespace ocp::smtp::detail
