#pragma once
// One configured instance of a plugin's service. A cheap, copyable handle:
// the instance (and its shared object) lives until the last handle and the
// last of its transactions are gone.

#include <memory>
#include <string_view>

#include "opes/plugin_host/error.hpp"
#include "opes/plugin_host/expected.hpp"
#include "opes/plugin_host/metadata.hpp"
#include "opes/plugin_host/service_info.hpp"
#include "opes/plugin_host/transaction.hpp"

namespace opes::plugin_host {

namespace detail {
class InstanceCore;
}

class ServiceInstance {
 public:
  const ServiceInfo& info() const noexcept;
  std::string_view label() const noexcept;

  /// Starts one SMTP transaction. Transactions of one instance may run on
  /// different threads at the same time (opes/plugin.h, THREADS).
  Expected<Transaction, Error> begin(const Metadata& metadata = {}) const;

 private:
  friend class Plugin;
  explicit ServiceInstance(std::shared_ptr<detail::InstanceCore> core);
  std::shared_ptr<detail::InstanceCore> core_;
};

}  // namespace opes::plugin_host
