#pragma once
// What went wrong, as a value: a category the dispatcher can act on and a
// message for the operator that names the plugin file or service.

#include <string>

namespace opes::plugin_host {

enum class Errc {
  load_failed,          // dlopen refused the file
  missing_entry_point,  // the file exports no opes_plugin_entry
  no_descriptor,        // the entry point returned NULL
  abi_mismatch,         // built for another ABI major, or a newer minor
  invalid_descriptor,   // the descriptor breaks the ABI's rules
  unknown_service,      // no service of that name in the plugin
  config_rejected,      // the service refused its configuration
  transaction_failed,   // the service failed (error return, exception)
  limit_exceeded,       // a host limit (buffering, replacement size) was hit
  misuse,               // the caller broke the transaction protocol
};

struct Error {
  Errc code;
  std::string message;
};

}  // namespace opes::plugin_host
