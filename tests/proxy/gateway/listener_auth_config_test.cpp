// listeners[].protocol, .tls and .auth (listener_config.cpp), and the
// shipped submission example.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "opes/proxy/config.hpp"

namespace {

using opes::proxy::ListenerProtocol;
using opes::proxy::ListenerTls;
using opes::proxy::parse_config;
namespace sasl = opes::sasl;

/// A folder with a credentials file `users`, removed at the end.
struct Folder {
  std::filesystem::path path;
  explicit Folder(std::string_view users) {
    path = std::filesystem::temp_directory_path() / ("opes-auth-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    std::ofstream(path / "users") << users;
  }
  ~Folder() { std::filesystem::remove_all(path); }
};

std::string document(std::string_view listeners, bool tls = true) {
  return std::string(R"({"listeners": )") + std::string(listeners) + "," +
         (tls ? R"("tls": {"certificate": "c.pem", "private_key": "k.pem"},)" : "") +
         R"("spool": "/tmp/opes-spool",
            "callout": {"servers": [{"address": "127.0.0.1"}],
                        "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]}]}})";
}

std::string errors_of(const opes::proxy::ConfigResult& config) {
  if (config) return "";
  std::string all;
  for (const auto& error : config.error()) all += error.describe() + "\n";
  return all;
}

}  // namespace

TEST_CASE("listeners: starttls without auth is the default, protocol smtp, pop3 or odmr") {
  auto config = parse_config(document(R"([{"port": 0}])", false));
  REQUIRE_MESSAGE(config, errors_of(config));
  CHECK(config->listeners[0].tls == ListenerTls::starttls);
  CHECK(config->listeners[0].protocol == ListenerProtocol::smtp);
  CHECK_FALSE(config->listeners[0].auth);
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "protocol": "imap"}])")))
        == "listeners[0].protocol: must be one of smtp, pop3, odmr\n");
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "tls": "ssl"}])")))
        == "listeners[0].tls: must be one of starttls, implicit, none\n");
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "tls": "implicit"}])", false)))
        == "listeners[0].tls: implicit needs the top-level tls certificate and private_key\n");
}

TEST_CASE("listeners: auth reads the credentials file relative to the configuration") {
  Folder folder("alice:{PLAIN}wonderland\n");
  auto config = parse_config(
      document(R"([{"port": 0, "tls": "implicit", "auth": {"credentials": "users", "required": true}},
                   {"port": 0, "tls": "none", "auth": {"credentials": "users", "mechanisms": ["cram-md5"]}}])"),
      folder.path);
  REQUIRE_MESSAGE(config, errors_of(config));
  const auto& auth = *config->listeners[0].auth;
  CHECK(auth.mechanisms == std::vector{sasl::Mechanism::plain, sasl::Mechanism::login});
  CHECK(auth.required);
  CHECK(auth.credentials_file == (folder.path / "users").string());
  REQUIRE(auth.credentials);
  CHECK(auth.credentials->find("alice"));
  CHECK(config->listeners[1].auth->mechanisms == std::vector{sasl::Mechanism::cram_md5});
  CHECK_FALSE(config->listeners[1].auth->required);
}

TEST_CASE("listeners: auth errors name the key, the file and the line") {
  Folder folder("alice:{PLAIN}wonderland\nbob:{MD5}x\n");
  const std::string file = (folder.path / "users").string();
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "auth": {"credentials": "users"}}])"), folder.path))
        == "listeners[0].auth.credentials: " + file + ": line 2: unknown scheme {MD5} (PLAIN or CRAM-MD5)\n");
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "auth": {"credentials": "missing"}}])"), folder.path))
            .starts_with("listeners[0].auth.credentials: cannot read " + (folder.path / "missing").string()));
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "auth": {}}])"), folder.path))
        == "listeners[0].auth.credentials: is required\n");
  CHECK(errors_of(parse_config(
            document(R"([{"port": 0, "auth": {"credentials": "/dev/null", "mechanisms": ["GSSAPI", "PLAIN", "plain"]}}])")))
        == "listeners[0].auth.mechanisms[0]: must be one of PLAIN, LOGIN, CRAM-MD5\n"
           "listeners[0].auth.mechanisms[2]: 'plain' is listed twice\n");
  // PLAIN and LOGIN need TLS, which a tls none listener never has.
  CHECK(errors_of(parse_config(document(R"([{"port": 0, "tls": "none", "auth": {"credentials": "/dev/null"}}])")))
        == "listeners[0].auth.mechanisms: PLAIN and LOGIN are taken only under TLS, which this listener cannot have\n");
}

TEST_CASE("config/examples/submission.json reads from any directory, with its test user") {
  auto config = opes::proxy::load_config(OPES_SOURCE_DIR "/config/examples/submission.json");
  REQUIRE_MESSAGE(config, errors_of(config));
  REQUIRE(config->listeners.size() == 2);
  CHECK(config->listeners[0].port == 10587);
  CHECK(config->listeners[0].tls == ListenerTls::starttls);
  CHECK(config->listeners[1].port == 10465);
  CHECK(config->listeners[1].tls == ListenerTls::implicit);
  for (const auto& listener : config->listeners) {
    REQUIRE(listener.auth);
    CHECK(listener.auth->credentials->find("alice@example.test"));
    CHECK(listener.auth->credentials->find("tim"));
  }
}
