#pragma once
// Running opes-callout: the long-running server (listeners, worker threads,
// signals) and the one-shot configuration check.

#include "config_source.hpp"

namespace opes::callout::daemon {

/// Exit statuses of opes-callout.
inline constexpr int kExitOk = 0;
inline constexpr int kExitConfigOrBind = 1;
inline constexpr int kExitUsage = 2;

/// Serves until SIGTERM or SIGINT and every connection has drained.
/// SIGHUP reloads the configuration for new connections.
int serve(const ConfigSource& source);

/// Loads the configuration and every plugin and service; prints each
/// problem on stderr. kExitOk when there is none.
int check_config(const ConfigSource& source);

}  // namespace opes::callout::daemon
