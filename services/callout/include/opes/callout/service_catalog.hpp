#pragma once
// The services one configuration provides: plugins loaded, each configured
// service instantiated, and what the services of each SMTP profile need from
// a negotiation. Immutable once built and shared by every connection that
// started under it, so a SIGHUP reload builds a new catalog for new
// connections while running ones keep theirs.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/callout_server_negotiation.hpp"
#include "ocp/smtp/profile_id.hpp"
#include "opes/callout/config.hpp"
#include "opes/plugin_host/service_instance.hpp"

namespace opes::callout {

struct CatalogService {
  std::string name;  // ServiceSettings::name, for logs
  std::string uri;   // what a processor names in SGC
  plugin_host::ServiceInstance instance;
  bool for_receiver = false;  // listed in profiles.receiver
  bool for_sender = false;    // listed in profiles.sender

  bool runs_for(ocp::smtp::Direction direction) const noexcept {
    return direction == ocp::smtp::Direction::sender ? for_sender : for_receiver;
  }
};

class ServiceCatalog {
 public:
  struct Built;

  /// Loads every configured plugin and instantiates every service. A plugin
  /// that cannot be loaded (missing file, wrong ABI, missing entry point,
  /// ...) or a service that refuses its options is left out and reported in
  /// Built::problems, which the daemon refuses to start with; a plugin
  /// marked optional (and its services) in Built::warnings. The catalog
  /// holds the others.
  static Built build(const CalloutConfig& config);

  const CalloutConfig& config() const noexcept { return config_; }
  const std::vector<CatalogService>& services() const noexcept { return services_; }
  const CatalogService* find_by_uri(std::string_view uri) const noexcept;
  /// The merged needs of the services of each profile, for answering NOs.
  const ocp::smtp::NeedsByDirection& needs() const noexcept { return needs_; }

 private:
  CalloutConfig config_;
  std::vector<CatalogService> services_;
  ocp::smtp::NeedsByDirection needs_;
};

struct ServiceCatalog::Built {
  std::shared_ptr<const ServiceCatalog> catalog;
  /// One line per plugin or service left out: names the file or service and why.
  std::vector<std::string> problems;
  /// One line per combination of services the catalog cannot serve (their
  /// content parts exclude each other, part_views.hpp), naming the services.
  /// Not empty: the configuration is refused, at start, by --check-config
  /// and on reload, so that no service is ever skipped at run time.
  std::vector<std::string> refusals;
  /// The same for optional plugins and their services: served without.
  std::vector<std::string> warnings;
};

}  // namespace opes::callout
