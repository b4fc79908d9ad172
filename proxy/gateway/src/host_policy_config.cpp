#include "host_policy_config.hpp"

#include "config_files.hpp"

#include <algorithm>
#include <fstream>

namespace opes::proxy::detail {

namespace {

using support::indexed;
using support::JsonReader;

std::optional<host::HostProtocol> protocol_named(std::string_view name) {
  if (name == "smtp") return host::HostProtocol::smtp;
  if (name == "pop3") return host::HostProtocol::pop3;
  if (name == "imap") return host::HostProtocol::imap;
  return std::nullopt;
}

std::optional<host::HostTls> tls_named(std::string_view name) {
  if (name == "off") return host::HostTls::off;
  if (name == "opportunistic") return host::HostTls::opportunistic;
  if (name == "starttls") return host::HostTls::starttls;
  if (name == "implicit") return host::HostTls::implicit;
  return std::nullopt;
}

bool has_protocol(const host::HostRule& rule, host::HostProtocol protocol) {
  // No protocols listed: the rule is for every protocol.
  return rule.protocols.empty() ||
         std::find(rule.protocols.begin(), rule.protocols.end(), protocol) != rule.protocols.end();
}

void read_protocols(JsonReader& item, host::HostRule& rule) {
  const auto names = support::read_strings(item, "protocols");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto protocol = protocol_named(names[i]);
    if (!protocol) item.fail(indexed(item.path_of("protocols"), i), "must be one of smtp, pop3, imap");
    else if (has_protocol(rule, *protocol) && !rule.protocols.empty())
      item.fail(indexed(item.path_of("protocols"), i), "'" + names[i] + "' is listed twice");
    else rule.protocols.push_back(*protocol);
  }
  if (item.value("protocols", nlohmann::json::value_t::array, false) && names.empty())
    item.fail(item.path_of("protocols"), "needs at least one protocol (leave it out for every protocol)");
}

void read_names(JsonReader& item, host::HostRule& rule) {
  const auto names = support::read_strings(item, "names");
  for (std::size_t i = 0; i < names.size(); ++i) {
    // Domain patterns only: an address literal is allowed by `networks`.
    const auto pattern = parse_domain_pattern(names[i]);
    if (!pattern || pattern->front() == '[')
      item.fail(indexed(item.path_of("names"), i), "must be a domain or .domain (every name below it)");
    else rule.names.push_back(*pattern);
  }
}

void read_networks(JsonReader& item, host::HostRule& rule) {
  const auto networks = support::read_strings(item, "networks");
  for (std::size_t i = 0; i < networks.size(); ++i) {
    auto network = host::parse_network(networks[i]);
    if (!network) item.fail(indexed(item.path_of("networks"), i), "must be an address or address/bits");
    else rule.networks.push_back(std::move(*network));
  }
}

void read_ports(JsonReader& item, host::HostRule& rule) {
  const nlohmann::json* ports = item.value("ports", nlohmann::json::value_t::array, false);
  if (!ports) return;
  for (std::size_t i = 0; i < ports->size(); ++i) {
    const auto& port = (*ports)[i];
    if (!port.is_number_integer() || port.get<std::int64_t>() < 1 || port.get<std::int64_t>() > 65535)
      item.fail(indexed(item.path_of("ports"), i), "must be an integer from 1 to 65535");
    else rule.ports.push_back(static_cast<std::uint16_t>(port.get<std::int64_t>()));
  }
  if (ports->empty()) item.fail(item.path_of("ports"), "needs at least one port (leave it out for the standard ports)");
}

void read_rule_tls(JsonReader& item, host::HostRule& rule, const std::filesystem::path& base) {
  if (auto tls = item.string("tls", false)) {
    rule.tls = tls_named(*tls);
    if (!rule.tls) {
      item.fail(item.path_of("tls"), "must be one of off, opportunistic, starttls, implicit");
    } else if (*rule.tls == host::HostTls::implicit && has_protocol(rule, host::HostProtocol::smtp)) {
      // SMTP relay (port 25) has no implicit TLS: RFC 8314 §3.3 is for
      // submission only, and the rule would also serve SMTP targets.
      item.fail(item.path_of("tls"), "implicit needs protocols without smtp (SMTP delivery has no implicit TLS)");
    } else if (*rule.tls == host::HostTls::opportunistic &&
               !(rule.protocols.size() == 1 && rule.protocols[0] == host::HostProtocol::smtp)) {
      // RFC 7435 opportunistic TLS is the SMTP MX custom; POP3 and IMAP
      // carry passwords, so their TLS is required (starttls) or off.
      item.fail(item.path_of("tls"), "opportunistic needs protocols [\"smtp\"] (it is SMTP only)");
    }
  }
  rule.verify = item.boolean("verify").value_or(true);
  if (auto ca = item.string("ca_file", false)) {
    const std::filesystem::path resolved = resolve(base, *ca);
    // A folder opens as a stream on Linux but holds no certificates.
    std::error_code ec;
    std::ifstream probe(resolved, std::ios::binary);
    if (!probe || !std::filesystem::is_regular_file(resolved, ec))
      item.fail(item.path_of("ca_file"), "cannot read " + resolved.string());
    rule.ca_file = resolved.string();
  }
}

void read_rule(JsonReader& item, host::HostRule& rule, std::size_t index, const std::filesystem::path& base) {
  rule.name = item.string("name", false).value_or("rule " + std::to_string(index + 1));
  if (rule.name.empty()) item.fail(item.path_of("name"), "must not be empty");
  read_protocols(item, rule);
  read_names(item, rule);
  read_networks(item, rule);
  read_ports(item, rule);
  rule.service_group = item.string("service_group", false).value_or("");
  read_rule_tls(item, rule, base);
}

}  // namespace

void read_host_policy(JsonReader& reader, host::HostPolicy& policy, const std::filesystem::path& base) {
  support::for_each_object(reader, "rules", false, [&](JsonReader& item, std::size_t index) {
    host::HostRule rule;
    read_rule(item, rule, index, base);
    policy.rules.push_back(std::move(rule));
  });
  policy.require_auth = reader.boolean("require_auth").value_or(policy.require_auth);
  policy.max_attempts_per_client = static_cast<std::size_t>(
      reader.integer("max_attempts_per_client", 0, 1000000, false)
          .value_or(static_cast<std::int64_t>(policy.max_attempts_per_client)));
  policy.attempt_window = std::chrono::seconds(
      reader.integer("attempt_window_seconds", 1, 86400, false).value_or(policy.attempt_window.count()));
  policy.client_first_wait = std::chrono::milliseconds(
      reader.integer("client_first_wait_ms", 0, 10000, false).value_or(policy.client_first_wait.count()));
  policy.resolve_timeout = std::chrono::seconds(
      reader.integer("resolve_timeout_seconds", 1, 300, false).value_or(policy.resolve_timeout.count()));
  policy.connect_timeout = std::chrono::seconds(
      reader.integer("connect_timeout_seconds", 1, 600, false).value_or(policy.connect_timeout.count()));
}

void check_host_policy(const ProxyConfig& config, JsonReader& reader) {
  const auto& rules = config.host_policy.rules;
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const std::string path = indexed("host_policy.rules", i);
    if (std::find(seen.begin(), seen.end(), rules[i].name) != seen.end())
      reader.fail(path + ".name", "'" + rules[i].name + "' is used twice");
    seen.push_back(rules[i].name);
    const std::string& group = rules[i].service_group;
    if (!group.empty() && !config.find_group(group))
      reader.fail(path + ".service_group", "no service group is named '" + group + "'");
  }
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const Listener& listener = config.listeners[i];
    if (listener.host == HostMode::off) continue;
    const std::string path = indexed("listeners", i);
    if (rules.empty()) reader.fail(path + ".host", "host needs host_policy.rules");
    if (config.host_policy.require_auth && listener.protocol == ListenerProtocol::smtp && !listener.auth)
      reader.fail(path + ".auth", "host_policy.require_auth needs auth on every listener with host");
  }
}

}  // namespace opes::proxy::detail
