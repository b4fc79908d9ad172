#include "opes/proxy/host_connector.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using asio::use_awaitable;
using host::address;
using Clock = std::chrono::steady_clock;

/// The resolver's answer, shared with its completion handler: the session
/// stops waiting at the timeout, while getaddrinfo may still be running in
/// Asio's resolver thread (it cannot be interrupted) and completes later.
struct ResolveState {
  explicit ResolveState(const asio::any_io_executor& executor) : wake(executor) {}
  asio::steady_timer wake;
  bool done = false;
  boost::system::error_code error;
  std::vector<address> addresses;
};

struct Resolution {
  bool timed_out = false;
  boost::system::error_code error;
  std::vector<address> addresses;  // in the resolver's order, each once
};

asio::awaitable<Resolution> resolve_once(std::string name, std::uint16_t port, Duration timeout) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<ResolveState>(executor);
  state->wake.expires_after(timeout);
  tcp::resolver resolver(executor);
  resolver.async_resolve(name, std::to_string(port), tcp::resolver::numeric_service,
                         [state](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
                           state->error = ec;
                           for (const auto& entry : results) {
                             const address found = entry.endpoint().address();
                             if (std::find(state->addresses.begin(), state->addresses.end(), found) ==
                                 state->addresses.end())
                               state->addresses.push_back(found);
                           }
                           state->done = true;
                           state->wake.cancel();
                         });
  if (!state->done) {
    auto [ignored] = co_await state->wake.async_wait(asio::as_tuple(use_awaitable));
    (void)ignored;
  }
  Resolution resolution;
  if (!state->done) {
    resolver.cancel();
    resolution.timed_out = true;
    co_return resolution;
  }
  resolution.error = state->error;
  resolution.addresses = std::move(state->addresses);
  co_return resolution;
}

struct ConnectDeadline {
  bool fired = false;
  bool done = false;
};

/// One connection attempt, cut at `deadline` (the HOST connect timeout is
/// for all the addresses together).
asio::awaitable<boost::system::error_code> connect_one(tcp::socket& socket, tcp::endpoint endpoint,
                                                       Clock::time_point deadline) {
  auto state = std::make_shared<ConnectDeadline>();
  asio::steady_timer timer(socket.get_executor(), deadline);
  timer.async_wait([state, &socket](const boost::system::error_code& ec) {
    // `done`: the connect completed first and the socket may be gone.
    if (ec || state->done) return;
    state->fired = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  auto [ec] = co_await socket.async_connect(endpoint, asio::as_tuple(use_awaitable));
  state->done = true;
  timer.cancel();
  if (state->fired) ec = asio::error::timed_out;
  co_return ec;
}

std::string joined(const std::vector<address>& addresses) {
  std::string out;
  for (const auto& a : addresses) {
    if (!out.empty()) out += ',';
    out += a.to_string();
  }
  return out;
}

using ConnectResult = ocp::Expected<HostConnection, HostRefusal>;

ConnectResult refusal(HostRefusal::Kind kind, std::string client_text) {
  HostRefusal refused;
  refused.kind = kind;
  refused.client_text = std::move(client_text);
  return ocp::unexpected(std::move(refused));
}

}  // namespace

asio::awaitable<ocp::Expected<HostConnection, HostRefusal>> connect_host(
    const host::HostPolicy& policy, host::HostProtocol protocol, const host::HostTarget& target,
    std::span<const host::OwnEndpoint> own, const HostRequester& requester) {
  auto executor = co_await asio::this_coro::executor;
  const std::uint16_t port = target.port != 0 ? target.port : host::default_port(protocol);
  host::HostTarget shown = target;
  shown.port = port;
  const std::string target_text = shown.text();
  const std::string protocol_text(host::protocol_name(protocol));

  std::vector<address> resolved;
  if (target.literal) {
    resolved.push_back(*target.literal);  // a literal is not resolved
  } else {
    // Named first: GCC 12 mishandles temporaries inside co_await.
    std::string name = target.name;
    const Duration resolve_timeout = policy.resolve_timeout;
    auto resolution = co_await resolve_once(std::move(name), port, resolve_timeout);
    if (resolution.timed_out || resolution.error || resolution.addresses.empty()) {
      const std::string cause = resolution.timed_out ? std::string("timed out")
                                : resolution.error ? resolution.error.message()
                                                   : std::string("no address");
      support::log(support::LogLevel::warning, "host.unreachable",
                   {{"peer", requester.peer}, {"session", requester.session}, {"protocol", protocol_text},
                    {"target", target_text}, {"reason", "cannot resolve: " + cause}});
      auto refused = refusal(HostRefusal::Kind::unresolvable, "cannot resolve " + target.name);
      co_return refused;
    }
    resolved = std::move(resolution.addresses);
  }

  const host::HostDecision decision = host::decide(policy, protocol, target, resolved, own);
  if (!decision.allowed) {
    support::log(support::LogLevel::warning, "host.denied",
                 {{"peer", requester.peer}, {"session", requester.session}, {"protocol", protocol_text},
                  {"target", target_text}, {"addresses", joined(resolved)}, {"reason", decision.reason}});
    auto refused = refusal(HostRefusal::Kind::denied, target_text + " is not allowed by the HOST policy");
    co_return refused;
  }

  const auto deadline = Clock::now() + policy.connect_timeout;
  boost::system::error_code last_error = asio::error::host_unreachable;
  for (const address& candidate : decision.addresses) {
    tcp::socket socket(executor);
    const tcp::endpoint endpoint(candidate, decision.port);
    const boost::system::error_code ec = co_await connect_one(socket, endpoint, deadline);
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      support::log(support::LogLevel::info, "host.allowed",
                   {{"peer", requester.peer}, {"session", requester.session}, {"protocol", protocol_text},
                    {"target", target_text}, {"addresses", joined(decision.addresses)},
                    {"rule", decision.rule->name}, {"address", candidate.to_string()}});
      ConnectResult connected(HostConnection{MailStream(std::move(socket)), decision.rule, decision.rule_index,
                                             target, decision.port, candidate.to_string()});
      co_return connected;
    }
    last_error = ec;
    if (Clock::now() >= deadline) break;
  }
  const std::string cause = last_error == asio::error::timed_out ? std::string("timed out") : last_error.message();
  support::log(support::LogLevel::warning, "host.unreachable",
               {{"peer", requester.peer}, {"session", requester.session}, {"protocol", protocol_text},
                {"target", target_text}, {"addresses", joined(decision.addresses)}, {"rule", decision.rule->name},
                {"reason", cause}});
  auto refused = refusal(HostRefusal::Kind::unreachable, "cannot connect to " + target_text + ": " + cause);
  co_return refused;
}

std::vector<host::OwnEndpoint> own_endpoints(std::span<const tcp::endpoint> bound) {
  std::vector<host::OwnEndpoint> out;
  std::vector<address> interfaces;
  bool interfaces_read = false;
  for (const tcp::endpoint& endpoint : bound) {
    const address ip = endpoint.address();
    out.push_back({ip, endpoint.port()});
    if (!ip.is_unspecified()) continue;
    if (!interfaces_read) {
      interfaces_read = true;
      ifaddrs* list = nullptr;
      if (getifaddrs(&list) == 0) {
        for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
          if (entry->ifa_addr == nullptr) continue;
          if (entry->ifa_addr->sa_family == AF_INET) {
            const auto* v4 = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
            interfaces.push_back(asio::ip::address_v4(ntohl(v4->sin_addr.s_addr)));
          } else if (entry->ifa_addr->sa_family == AF_INET6) {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
            asio::ip::address_v6::bytes_type bytes;
            std::copy(std::begin(v6->sin6_addr.s6_addr), std::end(v6->sin6_addr.s6_addr), bytes.begin());
            interfaces.push_back(asio::ip::address_v6(bytes));
          }
        }
        freeifaddrs(list);
      }
    }
    // A :: listener takes IPv4 connections too (IPV6_V6ONLY off, Linux's
    // default), so it contributes the IPv4 addresses as well.
    for (const address& a : interfaces)
      if (ip.is_v6() || a.is_v4()) out.push_back({a, endpoint.port()});
  }
  return out;
}

}  // namespace opes::proxy
