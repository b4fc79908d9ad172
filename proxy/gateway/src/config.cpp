#include "opes/proxy/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "ocp/smtp/ascii.hpp"
#include "config_files.hpp"
#include "host_policy_config.hpp"
#include "odmr_config.hpp"
#include "listener_config.hpp"

namespace opes::proxy {

namespace {

using json = nlohmann::json;
using support::for_each_object;
using support::indexed;
using support::JsonReader;
using support::read_log_level;
using support::read_strings;
using support::with_object;
using detail::resolve;

std::uint16_t read_port(JsonReader& reader, std::int64_t fallback, bool required) {
  return static_cast<std::uint16_t>(reader.integer("port", 0, 65535, required).value_or(fallback));
}

Seconds read_seconds(JsonReader& reader, std::string_view key, Seconds fallback) {
  return Seconds(reader.integer(key, 1, 86400, false).value_or(fallback.count()));
}

std::string resolve_file(const std::filesystem::path& base, std::optional<std::string> path) {
  return path ? resolve(base, *path).string() : std::string();
}

TlsIdentity read_identity(JsonReader& reader, const std::filesystem::path& base) {
  TlsIdentity identity;
  identity.certificate_file = resolve_file(base, reader.string("certificate", true));
  identity.private_key_file = resolve_file(base, reader.string("private_key", true));
  return identity;
}

TlsPeerCheck read_peer_check(JsonReader& reader, const std::filesystem::path& base,
                             bool* verify_given = nullptr) {
  TlsPeerCheck check;
  if (auto ca = reader.string("ca_file", false)) check.ca_file = resolve(base, *ca).string();
  const auto verify = reader.boolean("verify");
  check.verify = verify.value_or(true);
  if (verify_given) *verify_given = verify.has_value();
  check.server_name = reader.string("server_name", false).value_or("");
  return check;
}

std::optional<RelayPolicy::Network> parse_network(const std::string& text) {
  const auto slash = text.find('/');
  const std::string address = text.substr(0, slash);
  RelayPolicy::Network network{text, {}, 0};
  unsigned char octets[16];
  if (inet_pton(AF_INET, address.c_str(), octets) == 1) {
    network.prefix.assign(octets, octets + 4);
  } else if (inet_pton(AF_INET6, address.c_str(), octets) == 1) {
    network.prefix.assign(octets, octets + 16);
  } else {
    return std::nullopt;
  }
  const unsigned max_bits = static_cast<unsigned>(network.prefix.size() * 8);
  network.bits = max_bits;
  if (slash != std::string::npos) {
    const std::string bits = text.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 ||
        !std::all_of(bits.begin(), bits.end(), ocp::smtp::ascii::is_digit))
      return std::nullopt;
    network.bits = static_cast<unsigned>(std::stoul(bits));
    if (network.bits > max_bits) return std::nullopt;
  }
  return network;
}

void read_relay(JsonReader& reader, RelayPolicy& relay) {
  const auto clients = read_strings(reader, "clients");
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (auto network = parse_network(clients[i])) {
      relay.clients.push_back(std::move(*network));
    } else {
      reader.fail(indexed(reader.path_of("clients"), i),
                  "must be an IPv4 or IPv6 address with an optional /prefix length");
    }
  }
  relay.allow_untrusted_routing = reader.boolean("allow_untrusted_routing").value_or(false);
  for (std::string domain : read_strings(reader, "domains")) {
    std::transform(domain.begin(), domain.end(), domain.begin(), ocp::smtp::ascii::ascii_lower);
    relay.domains.push_back(std::move(domain));
  }
}

/// upstream.starttls and upstream.tls (config.hpp UpstreamTls). Only
/// `verify` checks the certificate: opportunistic and encrypt are
/// unauthenticated by definition (RFC 7435 §1.2), so `tls.verify: true`
/// with them is refused rather than ignored.
void read_upstream_tls(JsonReader& reader, Upstream& upstream, const std::filesystem::path& base) {
  const auto mode = reader.string("starttls", false);
  bool verify_given = false;
  with_object(reader, "tls", [&](JsonReader& tls) {
    upstream.check = read_peer_check(tls, base, &verify_given);
  });
  if (!mode || *mode == "opportunistic") {
    upstream.starttls = UpstreamTls::opportunistic;
  } else if (*mode == "off") {
    upstream.starttls = UpstreamTls::off;
  } else if (*mode == "encrypt") {
    upstream.starttls = UpstreamTls::encrypt;
  } else if (*mode == "verify") {
    upstream.starttls = UpstreamTls::verify;
  } else if (*mode == "required") {
    // Before RFC 7435's names: STARTTLS required, verified unless tls.verify is false.
    upstream.starttls = upstream.check.verify ? UpstreamTls::verify : UpstreamTls::encrypt;
    return;
  } else {
    reader.fail(reader.path_of("starttls"), "must be one of off, opportunistic, encrypt, verify, required");
    return;
  }
  const bool verifying = upstream.starttls == UpstreamTls::verify;
  if (verify_given && upstream.check.verify != verifying) {
    reader.fail(reader.path_of("tls") + ".verify",
                verifying ? "cannot be false with starttls verify (use encrypt)"
                          : "only starttls verify (or required) verifies the certificate");
  }
  upstream.check.verify = verifying;
}

void read_forward_client(JsonReader& reader, Upstream& upstream) {
  const auto mode = reader.string("forward_client", false);
  if (!mode || *mode == "off") upstream.forward_client = ForwardClient::off;
  else if (*mode == "xclient") upstream.forward_client = ForwardClient::xclient;
  else if (*mode == "xforward") upstream.forward_client = ForwardClient::xforward;
  else reader.fail(reader.path_of("forward_client"), "must be one of off, xclient, xforward");
}

void read_upstream(JsonReader& reader, Upstream& upstream, const std::filesystem::path& base) {
  upstream.address = reader.string("address", true).value_or("");
  upstream.port = read_port(reader, 25, false);
  if (upstream.port == 0) reader.fail(reader.path_of("port"), "must be from 1 to 65535");
  read_upstream_tls(reader, upstream, base);
  read_forward_client(reader, upstream);
  upstream.connect_timeout = read_seconds(reader, "connect_seconds", upstream.connect_timeout);
  upstream.reply_timeout = read_seconds(reader, "reply_seconds", upstream.reply_timeout);
}

FailurePolicy read_failure_policy(JsonReader& reader) {
  const auto text = reader.string("on_failure", false);
  if (!text || *text == "tempfail") return FailurePolicy::tempfail;
  if (*text == "pass") return FailurePolicy::pass;
  reader.fail(reader.path_of("on_failure"), "must be tempfail or pass");
  return FailurePolicy::tempfail;
}

/// How far the callout pool grows above connections_per_server (the extra
/// connections go again after timeouts.idle_seconds).
void read_callout_scaling(JsonReader& reader, CalloutSettings& callout) {
  const auto most = reader.integer("max_connections_per_server", 1, 1024, false);
  callout.max_connections_per_server =
      most ? static_cast<unsigned>(*most)
           : std::max(callout.max_connections_per_server, callout.connections_per_server);
  callout.max_transactions_per_connection = static_cast<unsigned>(
      reader.integer("max_transactions_per_connection", 1, 100000, false)
          .value_or(callout.max_transactions_per_connection));
  if (callout.max_connections_per_server < callout.connections_per_server) {
    reader.fail(reader.path_of("max_connections_per_server"),
                "must be at least connections_per_server (" +
                    std::to_string(callout.connections_per_server) + ")");
  }
}

void read_client_limits(JsonReader& limits, Limits& l) {
  l.max_sessions_per_client = static_cast<std::size_t>(
      limits.integer("max_sessions_per_client", 0, 1000000, false)
          .value_or(static_cast<std::int64_t>(l.max_sessions_per_client)));
  l.max_transactions_per_client = static_cast<std::size_t>(
      limits.integer("max_transactions_per_client", 0, 1000000, false)
          .value_or(static_cast<std::int64_t>(l.max_transactions_per_client)));
  l.exempt_relay_clients = limits.boolean("exempt_relay_clients").value_or(l.exempt_relay_clients);
}

void read_callout(JsonReader& reader, CalloutSettings& callout, const std::filesystem::path& base) {
  for_each_object(reader, "servers", true, [&](JsonReader& item, std::size_t) {
    CalloutServer server;
    server.address = item.string("address", true).value_or("");
    server.port = read_port(item, 11344, false);
    if (server.port == 0) item.fail(item.path_of("port"), "must be from 1 to 65535");
    with_object(item, "tls", [&](JsonReader& tls) {
      server.tls = read_peer_check(tls, base);
      if (tls.value("certificate", json::value_t::string, false))
        server.client_identity = read_identity(tls, base);
    });
    callout.servers.push_back(std::move(server));
  });
  callout.connections_per_server = static_cast<unsigned>(
      reader.integer("connections_per_server", 1, 64, false).value_or(callout.connections_per_server));
  read_callout_scaling(reader, callout);
  with_object(reader, "timeouts", [&](JsonReader& timeouts) {
    callout.connect_timeout = read_seconds(timeouts, "connect_seconds", callout.connect_timeout);
    callout.answer_timeout = read_seconds(timeouts, "answer_seconds", callout.answer_timeout);
    callout.content_timeout = read_seconds(timeouts, "content_seconds", callout.content_timeout);
    callout.probe_interval = read_seconds(timeouts, "probe_interval_seconds", callout.probe_interval);
    callout.idle_timeout = read_seconds(timeouts, "idle_seconds", callout.idle_timeout);
  });
  for_each_object(reader, "service_groups", true, [&](JsonReader& item, std::size_t) {
    ServiceGroup group;
    group.name = item.string("name", true).value_or("");
    for_each_object(item, "services", true, [&](JsonReader& service_reader, std::size_t) {
      ServiceSettings service;
      service.uri = service_reader.string("uri", true).value_or("");
      service.name = service_reader.string("name", false).value_or(service.uri);
      service.bypassable = service_reader.boolean("bypassable").value_or(false);
      group.services.push_back(std::move(service));
    });
    group.on_failure = read_failure_policy(item);
    callout.service_groups.push_back(std::move(group));
  });
}

void read_smtp_strictness(JsonReader& reader, SmtpStrictness& smtp) {
  if (auto mode = reader.string("bare_line_endings", false)) {
    if (*mode == "reject") smtp.bare_line_endings = SmtpStrictness::BareLineEndings::reject;
    else if (*mode == "normalize") smtp.bare_line_endings = SmtpStrictness::BareLineEndings::normalize;
    else reader.fail(reader.path_of("bare_line_endings"), "must be reject or normalize");
  }
}

/// tracing.notify, notify_max_header and notify_rate: the opestrace
/// notification's audience, size and rate (docs/ocp-conformance.md,
/// "Policy: the opestrace notification").
void read_trace_notification(JsonReader& reader, Tracing& tracing) {
  if (auto notify = reader.string("notify", false)) {
    if (*notify == "relay_clients") tracing.notify = TraceNotify::relay_clients;
    else if (*notify == "anyone") tracing.notify = TraceNotify::anyone;
    else if (*notify == "nobody") tracing.notify = TraceNotify::nobody;
    else reader.fail(reader.path_of("notify"), "must be one of relay_clients, anyone, nobody");
  }
  // 1024: every header line (998 + CRLF) fits; 262144: the longest header
  // section a notification is built from.
  tracing.notify_max_header = static_cast<std::size_t>(
      reader.integer("notify_max_header", 1024, 262144, false)
          .value_or(static_cast<std::int64_t>(tracing.notify_max_header)));
  with_object(reader, "notify_rate", [&](JsonReader& rate) {
    tracing.notify_window = read_seconds(rate, "window_seconds", tracing.notify_window);
    tracing.notify_per_sender = static_cast<std::size_t>(
        rate.integer("per_sender", 0, 1000000, false)
            .value_or(static_cast<std::int64_t>(tracing.notify_per_sender)));
    tracing.notify_total = static_cast<std::size_t>(
        rate.integer("total", 0, 1000000, false).value_or(static_cast<std::int64_t>(tracing.notify_total)));
  });
}

void read_shutdown(JsonReader& reader, ProxyConfig& config) {
  config.shutdown_grace = Seconds(reader.integer("shutdown_grace_seconds", 0, 3600, false)
                                      .value_or(config.shutdown_grace.count()));
}

// ---- destinations and routes (docs/operator-guide.md, "Destinations and routes")

/// Names appear in logs and error messages: letters, digits, '.', '_', '-'.
bool valid_destination_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return ocp::smtp::ascii::is_alnum(c) || c == '.' || c == '_' || c == '-';
  });
}

/// One entry of `destinations`: exactly one kind key.
void read_destination(JsonReader& item, const std::string& path, Destination& destination,
                      const std::filesystem::path& base) {
  int kinds = 0;
  if (with_object(item, "upstream", [&](JsonReader& upstream) {
        read_upstream(upstream, destination.upstream, base);
      })) {
    destination.kind = DestinationKind::upstream;
    ++kinds;
  }
  if (auto spool = item.string("spool", false)) {
    destination.kind = DestinationKind::spool;
    destination.spool = resolve(base, *spool);
    ++kinds;
  }
  if (kinds != 1) item.fail(path, "needs exactly one of upstream and spool");
}

/// Whether the configuration has `destinations` (an object).
bool read_destinations(JsonReader& reader, Routing& routing, const std::filesystem::path& base) {
  const json* destinations = reader.value("destinations", json::value_t::object, false);
  if (!destinations) return false;
  if (destinations->empty()) reader.fail("destinations", "needs at least one destination");
  for (const auto& [name, value] : destinations->items()) {
    const std::string path = "destinations." + name;
    JsonReader item = reader.nested(value, path);
    if (!valid_destination_name(name))
      reader.fail(path, "a destination name is 1 to 64 letters, digits, '.', '_' or '-'");
    if (!item.is_object()) continue;
    Destination destination;
    destination.name = name;
    read_destination(item, path, destination, base);
    item.reject_unknown_keys();
    routing.destinations.push_back(std::move(destination));
  }
  return true;
}

/// Whether the configuration has `routes` (an array).
bool read_routes(JsonReader& reader, Routing& routing) {
  if (!reader.value("routes", json::value_t::array, false)) return false;
  for_each_object(reader, "routes", false, [&](JsonReader& item, std::size_t i) {
    Route route;
    const std::string path = indexed("routes", i);
    const bool has_domains = item.value("domains", json::value_t::array, false) != nullptr;
    const auto domains = read_strings(item, "domains");
    if (has_domains && domains.empty())
      item.fail(path + ".domains", "must list at least one domain (the default route has no domains key)");
    for (std::size_t j = 0; j < domains.size(); ++j) {
      if (auto pattern = parse_domain_pattern(domains[j])) {
        route.domains.push_back(std::move(*pattern));
      } else {
        item.fail(indexed(path + ".domains", j),
                  "'" + domains[j] + "' must be a domain (example.org), .domain for every name "
                  "below it, or an address literal ([192.0.2.1])");
      }
    }
    route.destination = item.string("destination", true).value_or("");
    routing.routes.push_back(std::move(route));
  });
  return true;
}

/// The lookup table, and every name a route uses checked. Without
/// destinations the legacy upstream or spool is the one destination.
void build_routing(ProxyConfig& config, JsonReader& reader, bool named, bool routed) {
  Routing& routing = config.routing;
  if (!named) {
    if (routed) reader.fail("routes", "needs destinations to route to");
    routing.routes.clear();
    if (config.upstream.has_value() == config.spool.has_value()) {
      reader.fail("", "exactly one of upstream and spool must be configured (or destinations and routes)");
      return;
    }
    Destination only{"default", config.upstream ? DestinationKind::upstream : DestinationKind::spool,
                     config.upstream.value_or(Upstream{}), config.spool.value_or("")};
    routing.destinations.push_back(std::move(only));
    routing.routes.push_back(Route{{}, "default"});
  } else if (config.upstream || config.spool) {
    reader.fail("destinations", "cannot be combined with the top-level upstream or spool: "
                                "name that one as a destination too");
  } else if (!routed) {
    reader.fail("routes", "is required with destinations (at least the default route, without domains)");
  }
  std::string known;
  for (const Destination& destination : routing.destinations)
    known += (known.empty() ? "" : ", ") + destination.name;
  std::optional<std::size_t> default_route;
  std::map<std::string, std::size_t, std::less<>> pattern_route;
  for (std::size_t i = 0; i < routing.routes.size(); ++i) {
    const Route& route = routing.routes[i];
    const std::string path = indexed("routes", i);
    const auto target = routing.find(route.destination);
    if (!target && !route.destination.empty()) {
      reader.fail(path + ".destination",
                  "no destination is named '" + route.destination + "' (" +
                      (known.empty() ? std::string("none is configured") : "configured: " + known) + ")");
    }
    if (route.domains.empty()) {
      if (default_route) {
        reader.fail(path, "a second default route (without domains); " + indexed("routes", *default_route) +
                              " is the default");
      } else {
        default_route = i;
        routing.default_destination = target.value_or(0);
      }
      continue;
    }
    for (std::size_t j = 0; j < route.domains.size(); ++j) {
      const auto [at, added] = pattern_route.emplace(route.domains[j], i);
      if (!added) {
        reader.fail(indexed(path + ".domains", j),
                    "'" + route.domains[j] + "' is already routed by " + indexed("routes", at->second));
      } else if (target) {
        routing.by_pattern.emplace(route.domains[j], *target);
      }
    }
  }
  if (routed && !default_route)
    reader.fail("routes", "needs a default route: one without domains, for every other recipient");
}

void check(const ProxyConfig& config, JsonReader& reader) {
  if (config.listeners.empty()) reader.fail("listeners", "needs at least one listener");
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < config.callout.service_groups.size(); ++i) {
    const ServiceGroup& group = config.callout.service_groups[i];
    const std::string path = indexed("callout.service_groups", i);
    if (!names.insert(group.name).second) reader.fail(path + ".name", "'" + group.name + "' is used twice");
    if (group.services.empty()) reader.fail(path + ".services", "needs at least one service");
  }
  if (config.callout.service_groups.empty())
    reader.fail("callout.service_groups", "needs at least one service group");
  if (config.callout.servers.empty()) reader.fail("callout.servers", "needs at least one server");
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const std::string& name = config.listeners[i].service_group;
    if (!name.empty() && !config.find_group(name))
      reader.fail(indexed("listeners", i) + ".service_group", "no service group is named '" + name + "'");
  }
  detail::check_listeners(config, reader);
  detail::check_host_policy(config, reader);
  detail::check_odmr(config, reader);
  if (config.tracing.agent_id.find(':') == std::string::npos)
    reader.fail("tracing.agent_id", "must be an absolute URI (RFC 3986), e.g. http://host/opes");
}

}  // namespace

const ServiceGroup* ProxyConfig::find_group(std::string_view name) const {
  if (name.empty()) return callout.service_groups.empty() ? nullptr : &callout.service_groups.front();
  for (const ServiceGroup& group : callout.service_groups)
    if (group.name == name) return &group;
  return nullptr;
}

ConfigResult parse_config(std::string_view text, const std::filesystem::path& base) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& error) {
    return ocp::unexpected(std::vector<ConfigError>{{"", std::string("not valid JSON: ") + error.what()}});
  }
  JsonReader reader(document, "");
  if (!reader.is_object()) return ocp::unexpected(reader.errors());

  ProxyConfig config;
  config.hostname = reader.string("hostname", false).value_or(config.hostname);
  config.threads = static_cast<unsigned>(reader.integer("threads", 1, 256, false).value_or(1));
  config.log_level = read_log_level(reader);
  config.log_output = support::read_log_output(reader);
  for_each_object(reader, "listeners", true, [&](JsonReader& item, std::size_t) {
    Listener listener;
    detail::read_listener(item, listener, base);
    config.listeners.push_back(std::move(listener));
  });
  with_object(reader, "tls", [&](JsonReader& tls) { config.tls = read_identity(tls, base); });
  with_object(reader, "limits", [&](JsonReader& limits) {
    Limits& l = config.limits;
    l.max_message_size = static_cast<std::uint64_t>(
        limits.integer("max_message_size", 0, std::int64_t{1} << 40, false).value_or(static_cast<std::int64_t>(l.max_message_size)));
    l.max_recipients = static_cast<std::size_t>(limits.integer("max_recipients", 1, 100000, false).value_or(static_cast<std::int64_t>(l.max_recipients)));
    l.max_line_length = static_cast<std::size_t>(limits.integer("max_line_length", 0, 1 << 20, false).value_or(static_cast<std::int64_t>(l.max_line_length)));
    l.max_sessions = static_cast<std::size_t>(limits.integer("max_sessions", 1, 1000000, false).value_or(static_cast<std::int64_t>(l.max_sessions)));
    l.memory_buffer = static_cast<std::size_t>(limits.integer("memory_buffer", 4096, std::int64_t{1} << 32, false).value_or(static_cast<std::int64_t>(l.memory_buffer)));
    l.max_header_section = static_cast<std::size_t>(limits.integer("max_header_section", 1024, 64 << 20, false).value_or(static_cast<std::int64_t>(l.max_header_section)));
    read_client_limits(limits, l);
  });
  with_object(reader, "timeouts", [&](JsonReader& timeouts) {
    Timeouts& t = config.timeouts;
    t.command = read_seconds(timeouts, "command_seconds", t.command);
    t.data = read_seconds(timeouts, "data_seconds", t.data);
    t.session = read_seconds(timeouts, "session_seconds", t.session);
    t.tls_handshake = read_seconds(timeouts, "tls_handshake_seconds", t.tls_handshake);
    t.pop3_idle = read_seconds(timeouts, "pop3_idle_seconds", t.pop3_idle);
  });
  const bool relay_given = with_object(reader, "relay", [&](JsonReader& relay) { read_relay(relay, config.relay); });
  if (!relay_given) {
    // Secure by default: only local clients relay.
    config.relay.clients = {*parse_network("127.0.0.0/8"), *parse_network("::1/128")};
  }
  with_object(reader, "upstream", [&](JsonReader& upstream) {
    config.upstream.emplace();
    read_upstream(upstream, *config.upstream, base);
  });
  if (auto spool = reader.string("spool", false)) config.spool = resolve(base, *spool);
  const bool named = read_destinations(reader, config.routing, base);
  const bool routed = read_routes(reader, config.routing);
  config.quarantine = resolve(base, reader.string("quarantine", false).value_or("quarantine"));
  config.work_directory = resolve(base, reader.string("work_directory", false).value_or(
                                            config.spool ? (*config.spool / "tmp").string() : "/tmp"));
  with_object(reader, "callout", [&](JsonReader& callout) { read_callout(callout, config.callout, base); });
  if (!reader.value("callout", json::value_t::object, false)) reader.fail("callout", "is required");
  config.tracing.agent_id = "http://" + config.hostname + "/opes";
  with_object(reader, "tracing", [&](JsonReader& tracing) {
    config.tracing.agent_id = tracing.string("agent_id", false).value_or(config.tracing.agent_id);
    config.tracing.opes_via = tracing.boolean("opes_via").value_or(false);
    read_trace_notification(tracing, config.tracing);
  });
  with_object(reader, "smtp", [&](JsonReader& smtp) { read_smtp_strictness(smtp, config.smtp); });
  with_object(reader, "host_policy",
              [&](JsonReader& policy) { detail::read_host_policy(policy, config.host_policy, base); });
  with_object(reader, "odmr", [&](JsonReader& odmr) {
    config.odmr.emplace();
    detail::read_odmr(odmr, *config.odmr, base);
  });
  config.allow_bypass = reader.boolean("allow_bypass").value_or(true);
  read_shutdown(reader, config);
  reader.reject_unknown_keys();
  build_routing(config, reader, named, routed);
  detail::apply_odmr(config, reader);
  check(config, reader);
  if (!reader.errors().empty()) return ocp::unexpected(reader.errors());
  return config;
}

ConfigResult load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ocp::unexpected(std::vector<ConfigError>{{"", "cannot read " + file.string()}});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.parent_path());
}

bool in_networks(const std::vector<RelayPolicy::Network>& networks, std::string_view address) {
  std::string text(address);
  // An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d.
  if (text.rfind("::ffff:", 0) == 0 && text.find('.') != std::string::npos) text = text.substr(7);
  unsigned char octets[16];
  std::size_t size = 0;
  if (inet_pton(AF_INET, text.c_str(), octets) == 1) size = 4;
  else if (inet_pton(AF_INET6, text.c_str(), octets) == 1) size = 16;
  else return false;
  for (const auto& network : networks) {
    if (network.prefix.size() != size) continue;
    unsigned bits = network.bits;
    bool match = true;
    for (std::size_t i = 0; i < size && bits > 0 && match; ++i) {
      const unsigned take = std::min(bits, 8u);
      const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
      match = (octets[i] & mask) == (network.prefix[i] & mask);
      bits -= take;
    }
    if (match) return true;
  }
  return false;
}

}  // namespace opes::proxy
