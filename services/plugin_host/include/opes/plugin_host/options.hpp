#pragma once
// Per service instance settings of the host: resource limits and where the
// plugin's log lines go.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace opes::plugin_host {

struct TransactionLimits {
  // A content part is held in memory only for services that want whole
  // parts (OPES_SERVICE_WHOLE_PARTS); beyond this the transaction fails
  // instead of growing without bound.
  std::size_t max_buffered_part = 32u << 20;
  // Octets of replacement content a service may produce for one part.
  std::size_t max_replacement = 64u << 20;
  // Header fields a service may add in one transaction.
  std::size_t max_added_headers = 64;
};

enum class LogLevel { Error, Warning, Info, Debug };

// `source` is the instance's label.
using LogSink = std::function<void(LogLevel level, std::string_view source, std::string_view text)>;

struct InstanceOptions {
  TransactionLimits limits;
  // Names the instance in messages and logs; the service name if empty.
  std::string label;
  // Where plugin log lines go; standard error if empty. Called from the
  // thread running the plugin, so it must be thread-safe.
  LogSink log;
};

}  // namespace opes::plugin_host
