#pragma once
// A one-thread condition for coroutines: wait() suspends until notify(). A
// notify() that comes while nobody waits is kept, so a wakeup between a
// check and the wait that follows it is never lost.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace opes::proxy {

class WakeSignal {
 public:
  explicit WakeSignal(const boost::asio::any_io_executor& executor)
      : timer_(executor, boost::asio::steady_timer::time_point::max()) {}

  void notify() {
    notified_ = true;
    timer_.cancel();
  }

  boost::asio::awaitable<void> wait() {
    if (!notified_) {
      timer_.expires_at(boost::asio::steady_timer::time_point::max());
      co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    notified_ = false;
  }

  /// Waits for notify() or `deadline`, whichever comes first.
  boost::asio::awaitable<void> wait_until(boost::asio::steady_timer::time_point deadline) {
    if (!notified_) {
      timer_.expires_at(deadline);
      co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    notified_ = false;
  }

 private:
  boost::asio::steady_timer timer_;
  bool notified_ = false;
};

/// Wakes every coroutine waiting at the time. Waiters check their condition
/// before each wait; on one thread nothing can change it in between.
class Broadcast {
 public:
  explicit Broadcast(const boost::asio::any_io_executor& executor)
      : timer_(executor, boost::asio::steady_timer::time_point::max()) {}

  void notify_all() { timer_.cancel(); }

  boost::asio::awaitable<void> wait() {
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }

 private:
  boost::asio::steady_timer timer_;  // never expires: only cancel() ends a wait
};

}  // namespace opes::proxy
