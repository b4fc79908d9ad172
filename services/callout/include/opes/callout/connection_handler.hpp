#pragma once
// What the network layer drives for one OCP connection: a sans-I/O object
// that takes bytes and time and gives bytes back. The Asio server knows
// nothing of OCP; everything protocol lives behind this interface.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace opes::callout {

using TimePoint = std::chrono::steady_clock::time_point;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;

  virtual void receive(std::string_view bytes, TimePoint now) = 0;
  virtual void receive_eof() = 0;
  virtual void on_timer(TimePoint now) = 0;
  virtual std::optional<TimePoint> next_deadline() const = 0;

  virtual std::string_view pending_output() const = 0;
  virtual void consume_output(std::size_t n) = 0;
  /// Nothing more will be sent or accepted: flush, then close the socket.
  virtual bool finished() const = 0;
  /// Asked to stop (SIGTERM): finish open transactions, accept no new ones.
  virtual void drain(TimePoint now) = 0;
  /// Asked to end in order (SIGHUP reload): finish the open transactions,
  /// then end with `reason`, so the peer reconnects to the new configuration.
  virtual void drain(TimePoint now, const std::string& reason) {
    (void)reason;
    drain(now);
  }
};

}  // namespace opes::callout
