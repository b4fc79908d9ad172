#pragma once
// The network edge of opes-callout: Asio listeners (plain TCP or TLS), one
// coroutine per connection driving a ConnectionHandler, graceful drain on
// stop, and a handler factory that can be replaced while connections live
// (SIGHUP reload: new connections get the new configuration, running ones
// keep what they started with).

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "opes/callout/config.hpp"
#include "opes/callout/connection_handler.hpp"

namespace opes::callout {

struct PeerInfo {
  std::string address;  // "127.0.0.1:50312"
  bool tls = false;
  std::string client_certificate_subject;  // when a client certificate was verified
};

using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(const PeerInfo&)>;

class Server {
 public:
  Server(boost::asio::io_context& io, std::uint32_t max_connections);
  ~Server();

  /// Binds every listener; on failure says which and why. Port 0 binds a
  /// free port: bound_ports() tells which.
  ocp::Expected<void, std::string> listen(const std::vector<Listener>& listeners);
  std::vector<std::uint16_t> bound_ports() const;

  /// New connections use this factory from now on.
  void set_handler_factory(HandlerFactory factory);

  /// Stops accepting and asks every connection to drain; the io_context runs
  /// out once they have finished.
  void stop();

  /// Asks every live connection to finish its open transactions and then
  /// end with CE {200 `reason`} (RFC 4037 §11.2): after a reload, so that
  /// connected processors reconnect and get the new factory's handlers.
  /// Returns how many connections were asked.
  std::size_t renew_connections(const std::string& reason);

  std::size_t live_connections() const { return live_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::size_t> live_{0};
};

}  // namespace opes::callout
