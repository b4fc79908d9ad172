#include "odmr_config.hpp"

#include "config_files.hpp"

#include <algorithm>

namespace opes::proxy::detail {

namespace {

using support::indexed;
using support::JsonReader;

Seconds read_duration(JsonReader& reader, std::string_view key, Seconds fallback, std::int64_t least,
                      std::int64_t most) {
  return Seconds(reader.integer(key, least, most, false).value_or(fallback.count()));
}

}  // namespace

void read_odmr(JsonReader& reader, OdmrSettings& odmr, const std::filesystem::path& base) {
  if (auto file = reader.string("customers", true)) {
    odmr.customers_file = resolve(base, *file);
    if (auto customers = proxy::load_customers(odmr.customers_file)) {
      odmr.customers = std::make_shared<const odmr::Customers>(std::move(*customers));
    } else {
      reader.fail(reader.path_of("customers"), customers.error());
    }
  }
  odmr.queue = resolve(base, reader.string("queue", false).value_or("hold"));
  constexpr std::int64_t kDay = 86400;
  // RFC 2645 §5.2.1 leaves the interval to the provider; 0 allows every ATRN.
  odmr.atrn_interval = read_duration(reader, "atrn_interval_seconds", odmr.atrn_interval, 0, kDay);
  if (auto no_mail = reader.string("no_mail", false)) {
    if (*no_mail == "453") odmr.reverse_without_mail = false;
    else if (*no_mail == "reverse") odmr.reverse_without_mail = true;
    else reader.fail(reader.path_of("no_mail"), "must be 453 or reverse");
  }
  odmr.max_hold = read_duration(reader, "max_hold_seconds", odmr.max_hold, 1, 365 * kDay);
  odmr.delay_warning = read_duration(reader, "delay_warning_seconds", odmr.delay_warning, 0, 365 * kDay);
  odmr.sweep_interval = read_duration(reader, "sweep_interval_seconds", odmr.sweep_interval, 1, kDay);
  odmr.reply_timeout = read_duration(reader, "reply_timeout_seconds", odmr.reply_timeout, 1, kDay);
  odmr.release_service_group = reader.string("release_service_group", false).value_or("");
  if (odmr.delay_warning.count() > 0 && odmr.delay_warning >= odmr.max_hold)
    reader.fail(reader.path_of("delay_warning_seconds"), "must be shorter than max_hold_seconds");
}

void apply_odmr(ProxyConfig& config, JsonReader& reader) {
  if (!config.odmr || !config.odmr->customers) return;
  const auto& customers = config.odmr->customers;
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    Listener& listener = config.listeners[i];
    if (listener.protocol != ListenerProtocol::odmr) continue;
    if (!listener.auth) {
      listener.auth.emplace();
      listener.auth->mechanisms = {sasl::Mechanism::cram_md5, sasl::Mechanism::plain, sasl::Mechanism::login};
    }
    auto& mechanisms = listener.auth->mechanisms;
    if (std::find(mechanisms.begin(), mechanisms.end(), sasl::Mechanism::cram_md5) == mechanisms.end())
      reader.fail(indexed("listeners", i) + ".auth.mechanisms",
                  "an odmr listener must offer CRAM-MD5 (RFC 2645 5.1.2; fetchmail uses nothing else)");
    listener.auth->credentials_file = config.odmr->customers_file.string();
    // Aliasing: the credentials live as long as the customers they belong to.
    listener.auth->credentials = std::shared_ptr<const sasl::Credentials>(customers, &customers->credentials());
    listener.auth->required = false;  // ATRN's own gate answers 530
  }
  Routing& routing = config.routing;
  Destination hold;
  hold.name = "odmr-hold";
  hold.kind = DestinationKind::hold;
  if (routing.find(hold.name)) {
    reader.fail("destinations." + hold.name, "the name is the ODMR hold queue's");
    return;
  }
  const std::size_t index = routing.destinations.size();
  routing.destinations.push_back(std::move(hold));
  std::vector<std::string> domains = config.odmr->customers->all_domains();
  for (const std::string& domain : domains) {
    // An exact domain: more specific than any ".parent" route, so only an
    // operator route for the domain itself collides.
    if (routing.by_pattern.count(domain)) {
      reader.fail("odmr.customers", "'" + domain + "' is a customer domain and also routed by routes: "
                                        "its mail must be held for the customer");
      continue;
    }
    routing.by_pattern.emplace(domain, index);
    if (std::find(config.relay.domains.begin(), config.relay.domains.end(), domain) ==
        config.relay.domains.end())
      config.relay.domains.push_back(domain);
  }
  routing.routes.push_back(Route{std::move(domains), "odmr-hold"});
}

void check_odmr(const ProxyConfig& config, JsonReader& reader) {
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const Listener& listener = config.listeners[i];
    if (listener.protocol != ListenerProtocol::odmr) continue;
    const std::string path = indexed("listeners", i);
    if (!config.odmr) reader.fail(path + ".protocol", "an odmr listener needs the top-level odmr settings");
    if (listener.host != HostMode::off) reader.fail(path + ".host", "an odmr listener has no HOST");
  }
  if (!config.odmr) return;
  const std::string& group = config.odmr->release_service_group;
  if (!group.empty() && !config.find_group(group))
    reader.fail("odmr.release_service_group", "no service group is named '" + group + "'");
}

}  // namespace opes::proxy::detail

namespace opes::proxy {

ocp::Expected<odmr::Customers, std::string> load_customers(const std::filesystem::path& file) {
  const odmr::CustomersLimits limits;
  auto text = detail::read_bounded(file, limits.credentials.max_file_size);
  if (!text) return ocp::unexpected(text.error());
  auto parsed = odmr::parse_customers(*text, limits);
  if (!parsed) return ocp::unexpected(file.string() + ": " + parsed.error());
  return parsed;
}

}  // namespace opes::proxy
