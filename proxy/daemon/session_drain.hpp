#pragma once
// The clean shutdown of one opes-proxy thread's SMTP sessions. On SIGTERM
// the thread starts draining: a session between mail transactions is told
// `421 4.3.2` (RFC 5321 §3.8: the server may close with 421 when it must
// shut down) and closed, one in a transaction finishes it first. When the
// grace period ends the thread cuts: every session still waiting for its
// client gets the 421 and is closed, its open transaction aborted (it got
// no 250, so its client retries).
//
// One per io_context, used from its thread only: nothing is locked.

#include <cstddef>
#include <functional>
#include <list>
#include <utility>

namespace opes::proxy {

class SessionDrain {
 public:
  enum class Phase { serving, draining, cutting };
  /// Called when the phase changes: the session wakes from a read it must
  /// not wait in any longer.
  using Wake = std::function<void()>;

  /// A session's place in the drain, for its lifetime.
  class Registration {
   public:
    Registration(SessionDrain& drain, Wake wake)
        : drain_(drain), entry_(drain.sessions_.insert(drain.sessions_.end(), std::move(wake))) {}
    ~Registration() { drain_.sessions_.erase(entry_); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    SessionDrain& drain_;
    std::list<Wake>::iterator entry_;
  };

  Phase phase() const { return phase_; }
  bool draining() const { return phase_ != Phase::serving; }
  std::size_t sessions() const { return sessions_.size(); }

  /// Moves on (never back) and wakes every session.
  void advance(Phase phase) {
    if (phase <= phase_) return;
    phase_ = phase;
    // A wake only cancels a socket operation; the session runs later, so
    // the list does not change under this loop.
    for (const Wake& wake : sessions_) wake();
  }

 private:
  Phase phase_ = Phase::serving;
  std::list<Wake> sessions_;
};

}  // namespace opes::proxy
