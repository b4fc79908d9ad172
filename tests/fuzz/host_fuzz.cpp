// HOST's argument (parse_host_target) on any bytes, then decide() with a
// fixed policy on the literal (or a fixed resolution for a name), and
// classify() on the literal. Must not crash; no asserts.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "opes/host/host_policy.hpp"

namespace {

opes::host::HostPolicy make_policy() {
  using namespace opes::host;
  HostPolicy policy;
  HostRule lab;
  lab.name = "lab";
  lab.names = {"mx.example.org", ".example.net"};
  lab.networks = {*parse_network("192.0.2.0/24"), *parse_network("2001:db8::/32")};
  policy.rules.push_back(lab);
  HostRule loopback;
  loopback.name = "loopback";
  loopback.networks = {*parse_network("127.0.0.1/32"), *parse_network("::1")};
  loopback.ports = {2525};
  policy.rules.push_back(loopback);
  HostRule any;
  any.name = "any";
  any.protocols = {HostProtocol::pop3};
  policy.rules.push_back(any);
  return policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace opes::host;
  static const HostPolicy policy = make_policy();
  static const std::vector<OwnEndpoint> own{{boost::asio::ip::make_address("127.0.0.1"), 2525},
                                            {boost::asio::ip::make_address("192.0.2.10"), 25}};
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto target = parse_host_target(input);
  if (!target) return 0;
  (void)target->text();
  std::vector<address> resolved;
  if (target->literal) {
    resolved.push_back(*target->literal);
    (void)classify(*target->literal);
  } else {
    resolved = {boost::asio::ip::make_address("192.0.2.1"), boost::asio::ip::make_address("::ffff:127.0.0.1")};
  }
  for (auto protocol : {HostProtocol::smtp, HostProtocol::pop3, HostProtocol::imap}) {
    (void)decide(policy, protocol, *target, resolved, own);
  }
  (void)parse_network(input);
  return 0;
}
