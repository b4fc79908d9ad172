#pragma once
// One OCP connection to a callout server: the Asio edge of a CalloutLink.
// A reader, a writer and a timer coroutine drive the link; the link's
// events are handed to the inbox of the transaction they belong to, where
// the SMTP session waiting for them picks them up. Everything runs on the
// thread that owns the connection (one io_context per thread).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "opes/processor/callout_link.hpp"
#include "opes/proxy/config.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/proxy/tls.hpp"
#include "wake_signal.hpp"

namespace opes::proxy {

/// The events of one OCP transaction, for the session that began it.
struct TransactionInbox {
  explicit TransactionInbox(const asio::any_io_executor& executor) : signal(executor) {}
  std::deque<processor::LinkEvent> events;
  WakeSignal signal;
};

class CalloutConnection : public std::enable_shared_from_this<CalloutConnection> {
 public:
  /// Reports that the link failed, with the reason (for the pool's health).
  using FailureHandler = std::function<void(std::size_t server, const std::string& reason)>;

  CalloutConnection(asio::any_io_executor executor, std::size_t server_index,
                    const CalloutServer& server, processor::LinkSettings settings, TlsContext tls,
                    FailureHandler on_failure);
  ~CalloutConnection();

  /// Connects and negotiates, within `timeout`; true when ready for
  /// transactions. Starts the connection's coroutines.
  asio::awaitable<bool> open(Duration timeout);

  bool ready() const { return link_ && link_->ready(); }
  std::string failure() const;
  const asio::any_io_executor& executor() const { return executor_; }
  std::size_t server_index() const { return server_index_; }
  const std::string& address() const { return address_; }
  std::size_t open_transactions() const { return link_ ? link_->open_transactions() : 0; }
  const std::optional<ocp::smtp::SmtpProfile>& profile() const;
  /// When a transaction last began or ended here (the pool closes extra
  /// connections idle since long enough).
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }

  // ---- transactions (CalloutLink's, plus the inbox) -----------------------
  processor::LinkResult<processor::TransactionId> begin(const std::vector<std::string>& services,
                                                        std::vector<ocp::smtp::AmOption> meta,
                                                        std::shared_ptr<TransactionInbox> inbox);
  processor::LinkResult<processor::PartDisposition> send(processor::TransactionId id,
                                                         const ocp::smtp::AmPart& part,
                                                         std::string_view bytes,
                                                         bool starts_instance);
  processor::LinkResult<> end_original(processor::TransactionId id);
  /// TE (200, or 400 with `reason` when `failed`), and the inbox forgotten.
  void finish(processor::TransactionId id, bool failed = false, std::string reason = {});
  /// Returns once the link's output is below the watermark (or it failed):
  /// the session stops reading its client meanwhile (backpressure).
  asio::awaitable<void> wait_writable();

  /// A PQ (RFC 4037 §11.22) when the link is idle enough to need one.
  void probe();
  /// No new transactions; CE once the open ones end.
  void close();
  /// Drops the connection at once (shutdown).
  void stop();
  /// Nothing more is read or written: after close(), CE went out.
  bool finished() const { return stopped_; }

 private:
  asio::awaitable<void> read_loop(std::shared_ptr<CalloutConnection> self);
  asio::awaitable<void> write_loop(std::shared_ptr<CalloutConnection> self);
  asio::awaitable<void> timer_loop(std::shared_ptr<CalloutConnection> self);
  /// After every call into the link: hand out its events, wake the writer
  /// and the timer.
  void pump(bool write_now = true);

  asio::any_io_executor executor_;
  std::size_t server_index_;
  CalloutServer server_;
  std::string address_;
  processor::LinkSettings settings_;
  TlsContext tls_;
  FailureHandler on_failure_;

  std::optional<MailStream> stream_;
  std::optional<processor::CalloutLink> link_;
  std::map<std::uint32_t, std::shared_ptr<TransactionInbox>> inboxes_;
  WakeSignal output_ready_;
  WakeSignal deadline_changed_;
  Broadcast state_changed_;  // ready, failed, output drained
  std::size_t in_flight_ = 0;
  std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
  bool failure_reported_ = false;
  bool stopped_ = false;
  std::string connect_failure_;
};

}  // namespace opes::proxy
