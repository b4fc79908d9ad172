#include "listener_config.hpp"

#include "config_files.hpp"

#include <algorithm>

namespace opes::proxy::detail {

namespace {

using support::indexed;
using support::JsonReader;

/// The credentials file, read to at most one octet past its bound
/// (CredentialsLimits).
ocp::Expected<sasl::Credentials, std::string> load_credentials(const std::filesystem::path& file) {
  const sasl::CredentialsLimits limits;
  auto text = read_bounded(file, limits.max_file_size);
  if (!text) return ocp::unexpected(text.error());
  auto parsed = sasl::parse_credentials(*text, limits);
  if (!parsed) return ocp::unexpected(file.string() + ": " + parsed.error());
  return parsed;
}

void read_auth(JsonReader& reader, ListenerAuth& auth, const std::filesystem::path& base,
               bool credentials_required) {
  if (reader.value("mechanisms", nlohmann::json::value_t::array, false)) {
    auth.mechanisms.clear();
    const auto names = support::read_strings(reader, "mechanisms");
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto mechanism = sasl::mechanism_named(names[i]);
      if (!mechanism) {
        reader.fail(indexed(reader.path_of("mechanisms"), i), "must be one of PLAIN, LOGIN, CRAM-MD5");
      } else if (std::find(auth.mechanisms.begin(), auth.mechanisms.end(), *mechanism) != auth.mechanisms.end()) {
        reader.fail(indexed(reader.path_of("mechanisms"), i), "'" + names[i] + "' is listed twice");
      } else {
        auth.mechanisms.push_back(*mechanism);
      }
    }
    if (names.empty()) reader.fail(reader.path_of("mechanisms"), "needs at least one mechanism");
  }
  auth.required = reader.boolean("required").value_or(false);
  auth.identity_in_received = reader.boolean("identity_in_received").value_or(true);
  const auto file = reader.string("credentials", credentials_required);
  if (!file) return;
  const std::filesystem::path path = resolve(base, *file);
  auth.credentials_file = path.string();
  auto credentials = load_credentials(path);
  if (!credentials) {
    reader.fail(reader.path_of("credentials"), credentials.error());
    return;
  }
  auth.credentials = std::make_shared<const sasl::Credentials>(std::move(*credentials));
}

/// `host`: off (the default for smtp), allowed or required. POP3 has no
/// server of its own to fall back to, so a pop3 listener is always required.
void read_host_mode(JsonReader& item, Listener& listener) {
  const bool pop3 = listener.protocol == ListenerProtocol::pop3;
  listener.host = pop3 ? HostMode::required : HostMode::off;
  const auto mode = item.string("host", false);
  if (!mode) return;
  if (*mode == "off") listener.host = HostMode::off;
  else if (*mode == "allowed") listener.host = HostMode::allowed;
  else if (*mode == "required") listener.host = HostMode::required;
  else {
    item.fail(item.path_of("host"), "must be one of off, allowed, required");
    return;
  }
  if (pop3 && listener.host != HostMode::required) {
    item.fail(item.path_of("host"), "a pop3 listener is always required (POP3 has no server of its own)");
    listener.host = HostMode::required;
  }
}

}  // namespace

void read_listener(JsonReader& item, Listener& listener, const std::filesystem::path& base) {
  listener.address = item.string("address", false).value_or(listener.address);
  const auto port = item.integer("port", 0, 65535, false);
  listener.port = static_cast<std::uint16_t>(port.value_or(0));
  listener.service_group = item.string("service_group", false).value_or("");
  if (auto protocol = item.string("protocol", false)) {
    if (*protocol == "smtp") listener.protocol = ListenerProtocol::smtp;
    else if (*protocol == "pop3") listener.protocol = ListenerProtocol::pop3;
    else if (*protocol == "odmr") listener.protocol = ListenerProtocol::odmr;
    else item.fail(item.path_of("protocol"), "must be one of smtp, pop3, odmr");
  }
  // RFC 2645 §4: the ODMR port is 366.
  if (listener.protocol == ListenerProtocol::odmr && !port) listener.port = 366;
  read_host_mode(item, listener);
  if (auto tls = item.string("tls", false)) {
    if (*tls == "starttls") listener.tls = ListenerTls::starttls;
    else if (*tls == "implicit") listener.tls = ListenerTls::implicit;
    else if (*tls == "none") listener.tls = ListenerTls::none;
    else item.fail(item.path_of("tls"), "must be one of starttls, implicit, none");
  }
  const bool auth_given = support::with_object(item, "auth", [&](JsonReader& auth) {
    listener.auth.emplace();
    read_auth(auth, *listener.auth, base, listener.protocol != ListenerProtocol::odmr);
  });
  // A POP3 client logs in to the server it names (USER/PASS, APOP, AUTH
  // pass through): the proxy has no POP3 accounts of its own.
  if (auth_given && listener.protocol == ListenerProtocol::pop3)
    item.fail(item.path_of("auth"), "a pop3 listener has no auth (the client logs in to its server)");
  // ODMR customers authenticate with the credentials of the customers file
  // (odmr.customers); only the mechanisms may be chosen here.
  if (auth_given && listener.protocol == ListenerProtocol::odmr && listener.auth &&
      !listener.auth->credentials_file.empty())
    item.fail(item.path_of("auth.credentials"), "an odmr listener takes the credentials of odmr.customers");
}

void check_listeners(const ProxyConfig& config, JsonReader& reader) {
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const Listener& listener = config.listeners[i];
    const std::string path = indexed("listeners", i);
    if (listener.tls == ListenerTls::implicit && !config.tls)
      reader.fail(path + ".tls", "implicit needs the top-level tls certificate and private_key");
    if (!listener.auth) continue;
    const bool tls_possible = config.tls && listener.tls != ListenerTls::none;
    const bool any_without_tls =
        std::any_of(listener.auth->mechanisms.begin(), listener.auth->mechanisms.end(),
                    [](sasl::Mechanism m) { return !sasl::sends_password(m); });
    // RFC 4616 §6 / RFC 4954 §4: PLAIN and LOGIN only under TLS, so a
    // listener without TLS would offer nothing.
    if (!tls_possible && !any_without_tls)
      reader.fail(path + ".auth.mechanisms",
                  "PLAIN and LOGIN are taken only under TLS, which this listener cannot have");
  }
}

}  // namespace opes::proxy::detail
