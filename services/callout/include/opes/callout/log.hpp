#pragma once
// The callout server logs with the daemons' shared structured logger.

#include "opes/support/log.hpp"

namespace opes::callout {

using support::log;
using support::log_enabled;
using support::LogField;
using support::LogLevel;
using support::set_log_level;

}  // namespace opes::callout
