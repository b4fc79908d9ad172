#pragma once
// A loaded plugin: a shared object whose entry point returned a descriptor
// this host accepts (opes/plugin.h, VERSIONING). Loading never throws and
// never takes the host down on a bad file: every refusal is an Error whose
// message names the file and, for version problems, both ABI versions.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "opes/plugin_host/error.hpp"
#include "opes/plugin_host/expected.hpp"
#include "opes/plugin_host/options.hpp"
#include "opes/plugin_host/service_info.hpp"
#include "opes/plugin_host/service_instance.hpp"

namespace opes::plugin_host {

namespace detail {
struct LoadedPlugin;
}

struct AbiVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
};

/// The ABI this host implements (OPES_PLUGIN_ABI_MAJOR/MINOR).
AbiVersion host_abi() noexcept;

class Plugin {
 public:
  /// dlopen()s the file, resolves opes_plugin_entry, checks the ABI version
  /// and every service descriptor.
  static Expected<Plugin, Error> load(const std::filesystem::path& file);

  const std::filesystem::path& file() const noexcept;
  std::string_view name() const noexcept;
  std::string_view version() const noexcept;
  AbiVersion abi() const noexcept;

  const std::vector<ServiceInfo>& services() const noexcept;
  const ServiceInfo* find_service(std::string_view name) const noexcept;

  /// Creates an instance of a service from its configuration (JSON text,
  /// handed to the plugin verbatim). The instance keeps the shared object
  /// loaded; the Plugin handle may be dropped before it.
  Expected<ServiceInstance, Error> instantiate(std::string_view service,
                                               std::string_view config_json,
                                               InstanceOptions options = {}) const;

 private:
  explicit Plugin(std::shared_ptr<const detail::LoadedPlugin> loaded);
  std::shared_ptr<const detail::LoadedPlugin> loaded_;
};

}  // namespace opes::plugin_host
