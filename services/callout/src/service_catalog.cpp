#include "opes/callout/service_catalog.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "opes/callout/log.hpp"
#include "opes/callout/part_views.hpp"
#include "opes/plugin_host/plugin.hpp"

namespace opes::callout {

namespace {

LogLevel to_log_level(plugin_host::LogLevel level) {
  switch (level) {
    case plugin_host::LogLevel::Error: return LogLevel::error;
    case plugin_host::LogLevel::Warning: return LogLevel::warning;
    case plugin_host::LogLevel::Info: return LogLevel::info;
    case plugin_host::LogLevel::Debug: return LogLevel::debug;
  }
  return LogLevel::info;
}

void plugin_log(plugin_host::LogLevel level, std::string_view source, std::string_view text) {
  // A plugin logs through its service instance, which serves many
  // transactions; the host's call it logs from names the transaction
  // (LogTransactionScope in the dispatch), so its lines carry the same id
  // as the processor's and the callout server's.
  const std::string_view transaction = support::current_log_transaction();
  if (transaction.empty()) {
    log(to_log_level(level), "plugin-log", {{"service", std::string(source)}, {"text", std::string(text)}});
  } else {
    log(to_log_level(level), "plugin-log",
        {{"service", std::string(source)}, {"transaction", std::string(transaction)}, {"text", std::string(text)}});
  }
}

void add_unique(std::vector<ocp::smtp::AmPart>& parts, const ocp::smtp::AmPart& part) {
  if (!ocp::smtp::contains(parts, part)) parts.push_back(part);
}

/// What a service asks of a negotiation, in the profile library's terms.
void merge_needs(ocp::smtp::ServiceNeeds& needs, const plugin_host::ServiceInfo& info,
                 const ServiceSettings& settings) {
  for (const std::string& part : info.adaptive_parts) {
    add_unique(needs.adaptive, ocp::smtp::AmPart::from_token(part));
  }
  for (const std::string& part : info.informative_parts) {
    add_unique(needs.informative, ocp::smtp::AmPart::from_token(part));
  }
  for (const std::string& name : info.header_list) needs.headers.names.push_back(name);
  for (const std::string& keyword : settings.ehlo_keywords) needs.ehlo_keywords.keywords.push_back(keyword);
}

}  // namespace

ServiceCatalog::Built ServiceCatalog::build(const CalloutConfig& config) {
  auto catalog = std::make_shared<ServiceCatalog>();
  catalog->config_ = config;
  Built built;

  std::map<std::string, plugin_host::Plugin, std::less<>> plugins;
  std::set<std::string, std::less<>> optional_left_out;
  for (const PluginSettings& settings : config.plugins) {
    auto loaded = plugin_host::Plugin::load(settings.path);
    if (!loaded) {
      const std::string problem =
          "plugin '" + settings.name + "' left out: " + loaded.error().message;
      if (settings.optional) {
        optional_left_out.insert(settings.name);
        built.warnings.push_back(problem + " (optional)");
      } else {
        built.problems.push_back(problem);
      }
      continue;
    }
    plugins.emplace(settings.name, std::move(*loaded));
  }

  const auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (const ServiceSettings& settings : config.services) {
    const auto plugin = plugins.find(settings.plugin);
    if (plugin == plugins.end()) {
      const std::string problem = "service '" + settings.name + "' left out: its plugin '" +
                                  settings.plugin + "' is not loaded";
      auto& list = optional_left_out.contains(settings.plugin) ? built.warnings : built.problems;
      list.push_back(problem);
      continue;
    }
    plugin_host::InstanceOptions options;
    options.label = settings.name;
    options.log = plugin_log;
    options.limits.max_buffered_part = static_cast<std::size_t>(config.limits.max_buffered_part);
    auto instance = plugin->second.instantiate(settings.service, settings.options.dump(), std::move(options));
    if (!instance) {
      built.problems.push_back("service '" + settings.name + "' left out: " + instance.error().message);
      continue;
    }
    catalog->services_.push_back(CatalogService{settings.name, settings.uri, std::move(*instance),
                                                listed(config.profiles.receiver, settings.name),
                                                listed(config.profiles.sender, settings.name)});
  }

  for (const CatalogService& service : catalog->services_) {
    const ServiceSettings& settings = *config.find_service(service.name);
    for (const auto direction : {ocp::smtp::Direction::receiver, ocp::smtp::Direction::sender}) {
      if (!service.runs_for(direction)) continue;
      auto& needs = direction == ocp::smtp::Direction::sender ? catalog->needs_.sender
                                                              : catalog->needs_.receiver;
      if (!needs) needs.emplace();
      merge_needs(*needs, service.instance.info(), settings);
    }
  }
  for (const auto direction : {ocp::smtp::Direction::receiver, ocp::smtp::Direction::sender}) {
    auto& needs = direction == ocp::smtp::Direction::sender ? catalog->needs_.sender : catalog->needs_.receiver;
    if (needs) widen_content_needs(*needs);
    std::vector<NamedService> named;
    for (const CatalogService& service : catalog->services_) {
      if (service.runs_for(direction)) named.emplace_back(service.name, &service.instance.info());
    }
    const std::string profile = "profiles." + std::string(ocp::smtp::to_string(direction));
    for (std::string& conflict : part_conflicts(named, profile)) built.refusals.push_back(std::move(conflict));
  }
  built.catalog = std::move(catalog);
  return built;
}

const CatalogService* ServiceCatalog::find_by_uri(std::string_view uri) const noexcept {
  const auto it = std::find_if(services_.begin(), services_.end(),
                               [&](const CatalogService& service) { return service.uri == uri; });
  return it == services_.end() ? nullptr : &*it;
}

}  // namespace opes::callout
