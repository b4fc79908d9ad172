#pragma once
// The Asio edge of HOST: resolves the name the client gave once, lets the
// policy (opes/host/host_policy.hpp) judge every resolved address, and
// connects to the checked addresses in turn, never resolving again. Each
// decision is logged (host.allowed / host.denied / host.unreachable) with
// the peer, the session, the name, the addresses and the rule.

#include <boost/asio/awaitable.hpp>

#include <span>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/host/host_policy.hpp"
#include "opes/proxy/mail_stream.hpp"

namespace opes::proxy {

/// A connection to a target the policy allowed.
struct HostConnection {
  MailStream stream;
  const host::HostRule* rule = nullptr;  // the rule that allowed it (in the policy)
  std::size_t rule_index = 0;
  host::HostTarget target;               // as the client named it
  std::uint16_t port = 0;                // the port connected to
  std::string address;                   // the address connected to, as text
};

/// Why there is no connection. The client's text never names a rule or a
/// resolved address (what the policy allows is not told to strangers).
struct HostRefusal {
  enum class Kind { denied, unresolvable, unreachable };
  Kind kind = Kind::denied;
  std::string client_text;  // "mx.example.org:25 is not allowed by the HOST policy"
};

/// Who asks, for the log lines.
struct HostRequester {
  std::string peer;     // "192.0.2.7:40112"
  std::string session;  // the session id
};

asio::awaitable<ocp::Expected<HostConnection, HostRefusal>> connect_host(
    const host::HostPolicy& policy, host::HostProtocol protocol, const host::HostTarget& target,
    std::span<const host::OwnEndpoint> own, const HostRequester& requester);

/// The endpoints of the listeners: each listener's bound address and port
/// (a wildcard address: every address of the host's interfaces, from
/// getifaddrs).
std::vector<host::OwnEndpoint> own_endpoints(std::span<const tcp::endpoint> bound);

}  // namespace opes::proxy
