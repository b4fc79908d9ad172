#include "opes/plugin_host/service_instance.hpp"

#include <iostream>
#include <utility>

#include "host_api.hpp"
#include "instance_core.hpp"
#include "transaction_core.hpp"

namespace opes::plugin_host {
namespace detail {

InstanceCore::InstanceCore(std::shared_ptr<const LoadedPlugin> plugin, std::size_t service,
                           InstanceOptions options)
    : plugin_(std::move(plugin)), service_(service), options_(std::move(options)) {
  if (options_.label.empty()) options_.label = info().name;
}

Expected<std::shared_ptr<InstanceCore>, Error> InstanceCore::create(
    std::shared_ptr<const LoadedPlugin> plugin, std::size_t service, std::string_view config,
    InstanceOptions options) {
  std::shared_ptr<InstanceCore> core(
      new InstanceCore(std::move(plugin), service, std::move(options)));
  core->creating_ = true;
  core->instance_ = core->descriptor().create(host_api(), core.get(), config.data(), config.size());
  core->creating_ = false;
  if (!core->instance_) {
    std::string why = core->create_error_.empty() ? "no reason given" : core->create_error_;
    return unexpected(Error{Errc::config_rejected, "service " + core->label() + " (plugin " +
                                                       core->plugin_->file.string() +
                                                       ") refused its configuration: " + why});
  }
  return core;
}

InstanceCore::~InstanceCore() {
  if (instance_) descriptor().destroy(instance_);
}

void InstanceCore::log(LogLevel level, std::string_view text) const {
  if (options_.log) {
    options_.log(level, options_.label, text);
    return;
  }
  static constexpr const char* names[] = {"error", "warning", "info", "debug"};
  std::clog << "opes plugin " << options_.label << " " << names[static_cast<int>(level)] << ": "
            << text << '\n';
}

void InstanceCore::service_error(std::string_view text) {
  if (creating_) {
    if (create_error_.empty()) create_error_.assign(text);
    return;
  }
  log(LogLevel::Error, text);
}

}  // namespace detail

ServiceInstance::ServiceInstance(std::shared_ptr<detail::InstanceCore> core)
    : core_(std::move(core)) {}

const ServiceInfo& ServiceInstance::info() const noexcept {
  return core_->info();
}
std::string_view ServiceInstance::label() const noexcept {
  return core_->label();
}

Expected<Transaction, Error> ServiceInstance::begin(const Metadata& metadata) const {
  auto core = std::make_unique<detail::TransactionCore>(core_);
  if (auto ok = core->begin(metadata); !ok) return unexpected(std::move(ok).error());
  return Transaction(std::move(core));
}

}  // namespace opes::plugin_host
