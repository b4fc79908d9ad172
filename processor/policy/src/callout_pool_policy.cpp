#include "opes/processor/callout_pool_policy.hpp"

namespace opes::processor {

ocp::Expected<CalloutPool, PolicyError> CalloutPool::make(std::vector<std::string> addresses,
                                                          CalloutPoolSettings settings) {
  if (addresses.empty()) return ocp::unexpected(PolicyError{"the pool has no callout server"});
  if (settings.initial_backoff <= PoolClock::duration::zero() ||
      settings.max_backoff < settings.initial_backoff) {
    return ocp::unexpected(
        PolicyError{"the backoff must satisfy 0 < initial_backoff <= max_backoff"});
  }
  std::vector<CalloutServerState> servers;
  servers.reserve(addresses.size());
  for (std::string& address : addresses) {
    CalloutServerState state;
    state.address = std::move(address);
    servers.push_back(std::move(state));
  }
  return CalloutPool(std::move(servers), settings);
}

PoolClock::duration CalloutPool::backoff_after(unsigned failures) const noexcept {
  PoolClock::duration wait = settings_.initial_backoff;
  // Doubling stops at the cap, so no count of failures overflows.
  for (unsigned n = 1; n < failures && wait < settings_.max_backoff; ++n) wait *= 2;
  return wait < settings_.max_backoff ? wait : settings_.max_backoff;
}

std::optional<std::size_t> CalloutPool::choose(PoolClock::time_point now) {
  std::optional<std::size_t> least_loaded;
  for (std::size_t k = 0; k < servers_.size(); ++k) {
    const std::size_t i = (round_robin_next_ + k) % servers_.size();
    if (!servers_[i].up) continue;
    if (!least_loaded ||
        servers_[i].open_transactions < servers_[*least_loaded].open_transactions) {
      least_loaded = i;
    }
  }
  if (least_loaded) {
    round_robin_next_ = (*least_loaded + 1) % servers_.size();
    return least_loaded;
  }
  std::optional<std::size_t> due;
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    const CalloutServerState& server = servers_[i];
    if (server.probing || server.next_retry > now) continue;
    if (!due || server.next_retry < servers_[*due].next_retry) due = i;
  }
  if (due) servers_[*due].probing = true;
  return due;
}

std::optional<PoolClock::time_point> CalloutPool::next_retry() const {
  std::optional<PoolClock::time_point> earliest;
  for (const CalloutServerState& server : servers_) {
    if (server.up || server.probing) continue;
    if (!earliest || server.next_retry < *earliest) earliest = server.next_retry;
  }
  return earliest;
}

bool CalloutPool::record_connected(std::size_t index, PoolClock::time_point /*now*/) {
  if (index >= servers_.size()) return false;
  CalloutServerState& server = servers_[index];
  server.up = true;
  server.down_since.reset();
  server.consecutive_failures = 0;
  server.probing = false;
  return true;
}

bool CalloutPool::record_failure(std::size_t index, PoolClock::time_point now,
                                 std::string_view reason) {
  if (index >= servers_.size()) return false;
  CalloutServerState& server = servers_[index];
  if (server.up) server.down_since = now;
  server.up = false;
  server.probing = false;
  if (server.consecutive_failures < 1000) ++server.consecutive_failures;
  server.next_retry = now + backoff_after(server.consecutive_failures);
  server.last_failure = std::string(reason.substr(0, CalloutServerState::kMaxFailureReasonLength));
  return true;
}

bool CalloutPool::record_transaction_started(std::size_t index) {
  if (index >= servers_.size()) return false;
  ++servers_[index].open_transactions;
  return true;
}

bool CalloutPool::record_transaction_finished(std::size_t index) {
  if (index >= servers_.size()) return false;
  if (servers_[index].open_transactions > 0) --servers_[index].open_transactions;
  return true;
}

ocp::smtp::Reply failure_reply() {
  return ocp::smtp::Reply{451, {"4.7.0 Content adaptation unavailable, try again later"}};
}

std::optional<ocp::smtp::Reply> reply_when_unavailable(FailurePolicy policy) {
  if (policy == FailurePolicy::pass) return std::nullopt;
  return failure_reply();
}

}  // namespace opes::processor
