#pragma once
// Test helpers: drain a ProxyCore's output and events as strings.

#include <string>
#include <variant>
#include <vector>

#include "opes/pop3/proxy_core.hpp"

namespace opes::pop3::test {

inline std::string take_client(ProxyCore& core) {
  std::string out(core.to_client());
  core.consume_to_client(out.size());
  return out;
}

inline std::string take_upstream(ProxyCore& core) {
  std::string out(core.to_upstream());
  core.consume_to_upstream(out.size());
  return out;
}

inline std::vector<ProxyEvent> take_events(ProxyCore& core) {
  std::vector<ProxyEvent> events;
  while (auto event = core.poll_event()) events.push_back(std::move(*event));
  return events;
}

/// A core past HOST, its greeting taken: relaying to a server at
/// mail.example.org.
inline ProxyCore relaying_core(ProxyOptions options = {.hostname = "proxy.test", .offer_stls = true}) {
  ProxyCore core({}, std::move(options));
  core.receive_from_client("HOST mail.example.org\r\n");
  (void)take_events(core);
  core.host_connected("+OK Dovecot ready.");
  (void)take_client(core);
  return core;
}

}  // namespace opes::pop3::test
