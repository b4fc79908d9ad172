#pragma once
// The callout server reads its configuration with the daemons' shared reader.

#include "opes/support/json_reader.hpp"

namespace opes::callout {

using support::ConfigError;
using support::JsonReader;

}  // namespace opes::callout
