#pragma once
// One created service instance: the plugin's opes_service_instance, the
// descriptor that drives it and the host settings that apply to it.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "host_handles.hpp"
#include "loaded_plugin.hpp"
#include "opes/plugin.h"
#include "opes/plugin_host/error.hpp"
#include "opes/plugin_host/expected.hpp"
#include "opes/plugin_host/options.hpp"

namespace opes::plugin_host::detail {

class InstanceCore : public opes_host_service {
 public:
  /// Calls the service's create with the configuration; its error text
  /// becomes the Error on refusal.
  static Expected<std::shared_ptr<InstanceCore>, Error> create(
      std::shared_ptr<const LoadedPlugin> plugin, std::size_t service, std::string_view config,
      InstanceOptions options);

  InstanceCore(const InstanceCore&) = delete;
  InstanceCore& operator=(const InstanceCore&) = delete;
  ~InstanceCore();

  const ServiceInfo& info() const noexcept { return plugin_->services[service_]; }
  const opes_service_descriptor& descriptor() const noexcept {
    return *plugin_->service_descriptors[service_];
  }
  opes_service_instance* instance() const noexcept { return instance_; }
  const std::string& label() const noexcept { return options_.label; }
  const TransactionLimits& limits() const noexcept { return options_.limits; }

  // opes_host_api::log and ::service_error land here.
  void log(LogLevel level, std::string_view text) const;
  void service_error(std::string_view text);

 private:
  InstanceCore(std::shared_ptr<const LoadedPlugin> plugin, std::size_t service,
               InstanceOptions options);

  std::shared_ptr<const LoadedPlugin> plugin_;
  std::size_t service_;
  InstanceOptions options_;
  opes_service_instance* instance_ = nullptr;
  bool creating_ = false;
  std::string create_error_;
};

}  // namespace opes::plugin_host::detail
