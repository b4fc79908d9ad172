#include "opes/plugin_host/plugin.hpp"

#include <set>
#include <string>
#include <utility>

#include "descriptor_check.hpp"
#include "instance_core.hpp"
#include "loaded_plugin.hpp"

namespace opes::plugin_host {
namespace {

std::string version_text(AbiVersion v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor);
}

Unexpected<Error> refuse(Errc code, const std::filesystem::path& file, const std::string& why) {
  return unexpected(Error{code, "plugin " + file.string() + ": " + why});
}

// opes/plugin.h VERSIONING: same major, minor no newer than the host's.
Expected<void, Error> check_abi(const std::filesystem::path& file, AbiVersion plugin) {
  const AbiVersion host = host_abi();
  if (plugin.major != host.major) {
    return refuse(Errc::abi_mismatch, file,
                  "built for plugin ABI " + version_text(plugin) +
                      ", but this host implements ABI " + version_text(host) +
                      " and loads only ABI " + std::to_string(host.major) +
                      ".x plugins (the major versions must match); rebuild the plugin against "
                      "this host's opes/plugin.h");
  }
  if (plugin.minor > host.minor) {
    return refuse(Errc::abi_mismatch, file,
                  "built for plugin ABI " + version_text(plugin) + ", newer than this host's ABI " +
                      version_text(host) + "; upgrade the host or rebuild the plugin against ABI " +
                      version_text(host));
  }
  return {};
}

}  // namespace

AbiVersion host_abi() noexcept {
  return {OPES_PLUGIN_ABI_MAJOR, OPES_PLUGIN_ABI_MINOR};
}

Expected<Plugin, Error> Plugin::load(const std::filesystem::path& file) {
  auto library = detail::SharedLibrary::open(file);
  if (!library) return refuse(Errc::load_failed, file, "cannot load: " + library.error());

  // POSIX guarantees a data pointer from dlsym() converts to a function pointer.
  auto entry = reinterpret_cast<opes_plugin_entry_fn>(library->symbol(OPES_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    return refuse(Errc::missing_entry_point, file,
                  "does not export " OPES_PLUGIN_ENTRY_SYMBOL
                  " (not an OPES-SMTP plugin, or built without OPES_PLUGIN(...))");
  }
  const opes_plugin_descriptor* descriptor = entry();
  if (!descriptor) {
    return refuse(Errc::no_descriptor, file, OPES_PLUGIN_ENTRY_SYMBOL " returned no descriptor");
  }
  const AbiVersion abi{descriptor->abi_major, descriptor->abi_minor};
  if (auto ok = check_abi(file, abi); !ok) return unexpected(std::move(ok).error());

  auto loaded = std::make_shared<detail::LoadedPlugin>(
      detail::LoadedPlugin{std::move(*library), file, descriptor, abi, {}, {}, {}, {}});
  auto invalid = [&](const std::string& why) {
    return refuse(Errc::invalid_descriptor, file, why);
  };
  if (!descriptor->name || !*descriptor->name) return invalid("the plugin has no name");
  if (!descriptor->version || !*descriptor->version) return invalid("the plugin has no version");
  loaded->name = descriptor->name;
  loaded->version = descriptor->version;
  if (descriptor->service_count == 0) return invalid("the plugin provides no service");
  if (!descriptor->services) return invalid("the service list is missing");
  if (descriptor->service_count > 256) return invalid("too many services");

  std::set<std::string> names;
  for (std::size_t i = 0; i < descriptor->service_count; ++i) {
    auto info = detail::read_service_descriptor(descriptor->services[i], abi.minor);
    if (!info) return invalid(info.error());
    if (!names.insert(info->name).second)
      return invalid("service " + info->name + " is declared twice");
    loaded->services.push_back(std::move(*info));
    loaded->service_descriptors.push_back(descriptor->services[i]);
  }
  return Plugin(std::move(loaded));
}

Plugin::Plugin(std::shared_ptr<const detail::LoadedPlugin> loaded) : loaded_(std::move(loaded)) {}

const std::filesystem::path& Plugin::file() const noexcept {
  return loaded_->file;
}
std::string_view Plugin::name() const noexcept {
  return loaded_->name;
}
std::string_view Plugin::version() const noexcept {
  return loaded_->version;
}
AbiVersion Plugin::abi() const noexcept {
  return loaded_->abi;
}
const std::vector<ServiceInfo>& Plugin::services() const noexcept {
  return loaded_->services;
}

const ServiceInfo* Plugin::find_service(std::string_view name) const noexcept {
  for (const ServiceInfo& info : loaded_->services) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

Expected<ServiceInstance, Error> Plugin::instantiate(std::string_view service,
                                                     std::string_view config_json,
                                                     InstanceOptions options) const {
  std::size_t at = 0;
  while (at < loaded_->services.size() && loaded_->services[at].name != service) ++at;
  if (at == loaded_->services.size()) {
    return unexpected(Error{
        Errc::unknown_service,
        "plugin " + loaded_->file.string() + " has no service \"" + std::string(service) + "\""});
  }
  auto core = detail::InstanceCore::create(loaded_, at, config_json, std::move(options));
  if (!core) return unexpected(std::move(core).error());
  return ServiceInstance(std::move(*core));
}

}  // namespace opes::plugin_host
