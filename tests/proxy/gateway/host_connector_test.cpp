// connect_host() over real sockets on 127.0.0.1: resolve once, judge, connect.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "opes/proxy/host_connector.hpp"

namespace opes::proxy {
namespace {

using namespace std::chrono_literals;
using host::HostPolicy;
using host::HostProtocol;
using host::HostRule;
using host::HostTarget;

using Outcome = ocp::Expected<HostConnection, HostRefusal>;

/// Runs connect_host on a fresh io_context (with `prepare` run on the same
/// context first, e.g. to accept the connection).
std::optional<Outcome> connect(const HostPolicy& policy, std::string_view argument,
                               std::span<const host::OwnEndpoint> own = {}, asio::io_context* shared = nullptr) {
  asio::io_context local;
  asio::io_context& context = shared ? *shared : local;
  auto target = host::parse_host_target(argument);
  REQUIRE_MESSAGE(target, target.error());
  std::optional<Outcome> outcome;
  const HostRequester requester{"192.0.2.7:40112", "test-session"};
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        auto result = co_await connect_host(policy, HostProtocol::smtp, *target, own, requester);
        outcome.emplace(std::move(result));
      },
      asio::detached);
  context.run();
  return outcome;
}

HostPolicy policy_for(std::initializer_list<const char*> networks, std::initializer_list<std::uint16_t> ports,
                      std::initializer_list<const char*> names = {}) {
  HostPolicy policy;
  HostRule rule;
  rule.name = "test rule";
  for (const char* n : networks) rule.networks.push_back(*host::parse_network(n));
  rule.ports = ports;
  for (const char* n : names) rule.names.emplace_back(n);
  policy.rules.push_back(rule);
  policy.resolve_timeout = 5s;
  policy.connect_timeout = 5s;
  return policy;
}

std::uint16_t closed_port() {
  asio::io_context context;
  tcp::acceptor probe(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

}  // namespace

TEST_CASE("connector: an allowed literal is connected") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  bool accepted = false;
  acceptor.async_accept([&](const boost::system::error_code& ec, tcp::socket) { accepted = !ec; });
  const auto policy = policy_for({"127.0.0.1/32"}, {port});
  const auto outcome = connect(policy, "127.0.0.1:" + std::to_string(port), {}, &context);
  REQUIRE(outcome);
  REQUIRE_MESSAGE(outcome->has_value(), (outcome->has_value() ? "" : outcome->error().client_text));
  CHECK(accepted);
  const HostConnection& connection = outcome->value();
  CHECK(connection.address == "127.0.0.1");
  CHECK(connection.port == port);
  CHECK(connection.rule == &policy.rules[0]);
  CHECK(connection.rule_index == 0);
  CHECK(connection.target.name == "127.0.0.1");
  CHECK(connection.stream.peer() == "127.0.0.1:" + std::to_string(port));
}

TEST_CASE("connector: loopback without an explicit rule is denied") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  const auto outcome = connect(policy_for({"0.0.0.0/0"}, {port}), "127.0.0.1:" + std::to_string(port));
  REQUIRE(outcome);
  REQUIRE_FALSE(outcome->has_value());
  CHECK(outcome->error().kind == HostRefusal::Kind::denied);
  CHECK(outcome->error().client_text == "127.0.0.1:" + std::to_string(port) + " is not allowed by the HOST policy");
}

TEST_CASE("connector: a refused port is unreachable") {
  const auto port = closed_port();
  const auto outcome = connect(policy_for({"127.0.0.1/32"}, {port}), "127.0.0.1:" + std::to_string(port));
  REQUIRE(outcome);
  REQUIRE_FALSE(outcome->has_value());
  CHECK(outcome->error().kind == HostRefusal::Kind::unreachable);
  const std::string prefix = "cannot connect to 127.0.0.1:" + std::to_string(port) + ": ";
  CHECK(outcome->error().client_text.rfind(prefix, 0) == 0);
  CHECK(outcome->error().client_text.size() > prefix.size());
}

TEST_CASE("connector: localhost allowed by a names rule resolves to loopback and is denied") {
  const auto outcome = connect(policy_for({}, {25}, {"localhost"}), "localhost");
  REQUIRE(outcome);
  REQUIRE_FALSE(outcome->has_value());
  CHECK(outcome->error().kind == HostRefusal::Kind::denied);
  CHECK(outcome->error().client_text == "localhost:25 is not allowed by the HOST policy");
}

TEST_CASE("connector: a name is resolved once and its addresses are tried in turn") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  acceptor.async_accept([](const boost::system::error_code&, tcp::socket) {});
  // localhost may resolve to ::1 first, where nothing listens: refused,
  // then 127.0.0.1.
  const auto outcome = connect(policy_for({"127.0.0.1/32", "::1/128"}, {port}, {"localhost"}),
                               "localhost:" + std::to_string(port), {}, &context);
  REQUIRE(outcome);
  REQUIRE_MESSAGE(outcome->has_value(), (outcome->has_value() ? "" : outcome->error().client_text));
  CHECK(outcome->value().address == "127.0.0.1");
  CHECK(outcome->value().target.name == "localhost");
}

TEST_CASE("connector: a name that does not resolve is unresolvable") {
  const auto outcome = connect(policy_for({}, {25}, {".invalid"}), "nonexistent.invalid");
  REQUIRE(outcome);
  REQUIRE_FALSE(outcome->has_value());
  CHECK(outcome->error().kind == HostRefusal::Kind::unresolvable);
  CHECK(outcome->error().client_text == "cannot resolve nonexistent.invalid");
}

TEST_CASE("connector: the proxy's own endpoint needs a /32 rule with its port") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto endpoint = acceptor.local_endpoint();
  const std::vector<tcp::endpoint> bound{endpoint};
  const auto own = own_endpoints(bound);
  const std::string argument = "127.0.0.1:" + std::to_string(endpoint.port());
  const auto wide = connect(policy_for({"127.0.0.0/8"}, {endpoint.port()}), argument, own);
  REQUIRE(wide);
  REQUIRE_FALSE(wide->has_value());
  CHECK(wide->error().kind == HostRefusal::Kind::denied);
  acceptor.async_accept([](const boost::system::error_code&, tcp::socket) {});
  const auto single = connect(policy_for({"127.0.0.1/32"}, {endpoint.port()}), argument, own, &context);
  REQUIRE(single);
  CHECK(single->has_value());
}

TEST_CASE("connector: own_endpoints expands a wildcard listener to the interfaces") {
  const std::vector<tcp::endpoint> bound{tcp::endpoint(asio::ip::make_address("0.0.0.0"), 2525),
                                         tcp::endpoint(asio::ip::make_address("192.0.2.1"), 25)};
  const auto own = own_endpoints(bound);
  const auto has = [&](const char* ip, std::uint16_t port) {
    return std::any_of(own.begin(), own.end(), [&](const host::OwnEndpoint& e) {
      return e.ip == asio::ip::make_address(ip) && e.port == port;
    });
  };
  CHECK(has("127.0.0.1", 2525));
  CHECK(has("192.0.2.1", 25));
  CHECK_FALSE(has("127.0.0.1", 25));
  CHECK(std::none_of(own.begin(), own.end(), [](const host::OwnEndpoint& e) { return e.port == 2525 && e.ip.is_v6(); }));
  // A :: listener takes IPv4 too.
  const std::vector<tcp::endpoint> dual{tcp::endpoint(asio::ip::make_address("::"), 2526)};
  const auto own_dual = own_endpoints(dual);
  CHECK(std::any_of(own_dual.begin(), own_dual.end(), [](const host::OwnEndpoint& e) {
    return e.ip == asio::ip::make_address("127.0.0.1") && e.port == 2526;
  }));
}

}  // namespace opes::proxy
