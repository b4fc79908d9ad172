#pragma once
// Which callout server gets a new OCP connection or transaction, and what
// the OPES processor answers when none does (RFC 3835 §2.1: the processor
// may use several callout servers). Sans-I/O: the caller connects, reports
// what happened, and passes the time in.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/processor/policy_error.hpp"

namespace opes::processor {

using PoolClock = std::chrono::steady_clock;

struct CalloutPoolSettings {
  /// The wait before the first retry of a failed server; doubled after each
  /// further consecutive failure up to max_backoff.
  PoolClock::duration initial_backoff = std::chrono::seconds(1);
  PoolClock::duration max_backoff = std::chrono::seconds(60);
};

/// One callout server as the policy sees it.
struct CalloutServerState {
  static constexpr std::size_t kMaxFailureReasonLength = 200;

  std::string address;  // for logs only
  bool up = true;       // a server nobody has failed to reach yet counts as up
  std::optional<PoolClock::time_point> down_since;
  unsigned consecutive_failures = 0;
  PoolClock::time_point next_retry{};  // meaningful while down
  std::size_t open_transactions = 0;
  bool probing = false;      // a probe connection was handed out and not reported yet
  std::string last_failure;  // the last reason given, cut at 200 octets
};

/// What a service group does when no callout server answers.
enum class FailurePolicy {
  tempfail,  // refuse the message for now with failure_reply() (default)
  pass,      // relay it unadapted
};

class CalloutPool {
 public:
  /// At least one server; 0 < initial_backoff <= max_backoff.
  static ocp::Expected<CalloutPool, PolicyError> make(std::vector<std::string> addresses,
                                                      CalloutPoolSettings settings = {});

  std::size_t size() const noexcept { return servers_.size(); }
  const CalloutServerState& server(std::size_t index) const { return servers_.at(index); }
  const CalloutPoolSettings& settings() const noexcept { return settings_; }

  /// The up server with the fewest open transactions (ties: round robin);
  /// when none is up, a down server whose retry time has come, handed out
  /// once as a probe (the earliest due first); else nullopt.
  std::optional<std::size_t> choose(PoolClock::time_point now);

  /// When a down server next becomes due for a probe (for the caller's
  /// timer); nullopt when no server waits for one.
  std::optional<PoolClock::time_point> next_retry() const;

  /// The wait before retrying after `failures` consecutive failures:
  /// initial_backoff * 2^(failures-1), at most max_backoff.
  PoolClock::duration backoff_after(unsigned failures) const noexcept;

  /// The reports. Each returns false, changing nothing, for an unknown index.
  bool record_connected(std::size_t index, PoolClock::time_point now);
  bool record_failure(std::size_t index, PoolClock::time_point now, std::string_view reason);
  bool record_transaction_started(std::size_t index);
  bool record_transaction_finished(std::size_t index);

 private:
  CalloutPool(std::vector<CalloutServerState> servers, CalloutPoolSettings settings)
      : servers_(std::move(servers)), settings_(settings) {}

  std::vector<CalloutServerState> servers_;
  CalloutPoolSettings settings_;
  std::size_t round_robin_next_ = 0;
};

/// The reply for FailurePolicy::tempfail, exactly
/// `451 4.7.0 Content adaptation unavailable, try again later`: 451 is
/// RFC 5321's "local error in processing", a transient failure the client
/// retries; 4.7.0 (RFC 3463 "other or undefined security or policy status")
/// because the message cannot pass the configured content policy now.
ocp::smtp::Reply failure_reply();

/// What to answer when choose() gives nothing: the reply for tempfail,
/// nullopt for pass (relay unadapted).
std::optional<ocp::smtp::Reply> reply_when_unavailable(FailurePolicy policy);

}  // namespace opes::processor
