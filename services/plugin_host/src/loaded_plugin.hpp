#pragma once
// The state behind a Plugin handle, shared by every instance created from
// it so that the shared object stays mapped while any of them lives.

#include <filesystem>
#include <string>
#include <vector>

#include "opes/plugin.h"
#include "opes/plugin_host/plugin.hpp"
#include "opes/plugin_host/service_info.hpp"
#include "shared_library.hpp"

namespace opes::plugin_host::detail {

struct LoadedPlugin {
  // First member, so destroyed last: everything below points into it.
  SharedLibrary library;
  std::filesystem::path file;
  const opes_plugin_descriptor* descriptor = nullptr;
  AbiVersion abi;
  std::string name;
  std::string version;
  std::vector<ServiceInfo> services;
  std::vector<const opes_service_descriptor*> service_descriptors;  // parallel to services
};

}  // namespace opes::plugin_host::detail
