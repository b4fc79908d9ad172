#pragma once
// The OCP Core connection engine (RFC 4037), sans-I/O, for either role.
//
// Bytes in: receive(bytes, now) and receive_eof(). Bytes out:
// pending_output() / consume_output(n). Events out: next_event(). Time in:
// every call that takes `now`; next_deadline() says when on_timer() must run.
// Commands check the rules before anything is written and return an error
// value instead of sending a message the peer would have to reject. Peer
// violations are answered exactly as RFC 4037 §5 says: TE xid {400 reason}
// for the transaction, CE {400 reason} for the connection.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/engine/config.hpp"
#include "ocp/engine/detail/state.hpp"
#include "ocp/engine/events.hpp"
#include "ocp/expected.hpp"
#include "ocp/stream_parser.hpp"

namespace ocp::engine {

/// Why a command was refused; nothing was sent.
struct CommandError {
  std::string reason;
};

template <class T = void>
using CommandResult = Expected<T, CommandError>;

/// Options of one DUM (§11.9).
struct DataOptions {
  std::optional<std::uint32_t> as_is;  // S only
  std::optional<Kept> kept;            // P only
  std::optional<Percent> modp;         // S only
  Extensions extensions;               // profile parameters such as AM-Part
};

class Connection {
 public:
  explicit Connection(Config config, TimePoint now = {});

  Role role() const { return config_.role; }

  // ---- input -------------------------------------------------------------
  /// Feeds received octets; sends our CS first if start() was not called.
  void receive(std::string_view bytes, TimePoint now);
  /// §11.2: the transport closed; without a CE that is CE 400.
  void receive_eof();
  /// Runs the timeouts that are due (§2.7).
  void on_timer(TimePoint now);
  /// The earliest time on_timer() has something to do.
  std::optional<TimePoint> next_deadline() const;

  // ---- output ------------------------------------------------------------
  std::string_view pending_output() const { return output_; }
  void consume_output(std::size_t n);
  /// All output taken: the peer may be told nothing more (after CE).
  bool closed() const { return state_ == State::closed; }

  std::optional<Event> next_event();
  bool has_events() const { return !events_.empty(); }

  // ---- commands: connection and negotiation ------------------------------
  /// §11.1: sends CS. A processor must then offer() (its bootstrap NO, §6.1),
  /// creating the service groups that offer names first if needed.
  CommandResult<> start();
  /// §11.18. `offer_pending` is written when given (true or false).
  CommandResult<> offer(std::vector<Feature> features, std::optional<ServiceGroupId> sg = {},
                        std::optional<bool> offer_pending = {});
  /// §11.20; the answer comes as AbilityAnswered.
  CommandResult<> ability_query(Feature feature);
  /// §11.22; the answer comes as ProgressAnswered.
  CommandResult<> progress_query(std::optional<Xid> xid = {});
  /// §11.24, with Org-Data computed as for a PA.
  CommandResult<> progress_report(std::optional<Xid> xid = {});
  /// §11.2: sends CE; the connection is over.
  CommandResult<> close(Result result = Result::ok());

  // ---- commands: service groups and transactions -------------------------
  /// §11.3; `id` defaults to one above the last id we created.
  CommandResult<ServiceGroupId> create_service_group(std::vector<Service> services,
                                                     std::optional<ServiceGroupId> id = {});
  CommandResult<> destroy_service_group(ServiceGroupId sg);
  /// §11.5 (P only); `xid` defaults to one above the last one.
  CommandResult<Xid> start_transaction(ServiceGroupId sg, std::optional<Xid> xid = {});
  /// §11.6; an absent result is written as `TE xid;` (= 200).
  CommandResult<> end_transaction(Xid xid, std::optional<Result> result = {});

  // ---- commands: application messages and data ---------------------------
  /// §11.7: opens our dataflow (P: original, S: adapted).
  CommandResult<> start_application_message(Xid xid,
                                            std::optional<std::vector<Service>> services = {},
                                            Extensions extensions = {});
  /// §11.8: closes our dataflow. 206 follows §8's rules.
  CommandResult<> end_application_message(Xid xid, std::optional<Result> result = {});
  /// A-17 (S): refuses P's application message: AME {400} then TE {400}.
  CommandResult<> refuse_application_message(Xid xid, std::string reason);
  /// §11.9: the next octets of our dataflow at the current offset.
  CommandResult<> send_data(Xid xid, SharedBytes payload, DataOptions options = {});
  /// §11.10 (S): adapted data = preserved original [offset, offset+size).
  CommandResult<> use_yours(Xid xid, std::uint32_t org_offset, std::uint32_t org_size,
                            Extensions extensions = {});
  /// Whether use_yours() of this range would be accepted now (A-18: inside
  /// the processor's last Kept and our DPI).
  bool can_use_yours(Xid xid, std::uint32_t org_offset, std::uint32_t org_size) const;
  /// §11.11 (S).
  CommandResult<> preservation_interest(Xid xid, std::uint32_t org_offset, std::uint32_t org_size);
  /// §11.12 (S).
  CommandResult<> want_stop_receiving(Xid xid, std::uint32_t org_size);
  /// §11.13 (S).
  CommandResult<> want_stop_sending(Xid xid);
  /// §11.14 (P), only after the peer's DWSS.
  CommandResult<> stop_sending(Xid xid);
  /// §11.15: asks the peer to pause its dataflow at `offset`.
  CommandResult<> want_paused(Xid xid, std::uint32_t offset);
  /// §11.16: pauses our own dataflow.
  CommandResult<> paused(Xid xid);
  /// §11.17: resumes the peer's dataflow.
  CommandResult<> want_more(Xid xid, std::optional<std::uint32_t> size_request = {});

  // ---- observation -------------------------------------------------------
  /// Octets our dataflow may still carry before the peer's pause offset
  /// (nullopt: no limit; 0: paused or at the offset).
  std::optional<std::uint64_t> send_window(Xid xid) const;
  bool in_negotiation_phase() const { return in_phase_; }
  bool offer_outstanding() const { return my_offer_.has_value(); }
  const std::vector<Feature>& connection_features() const { return connection_features_; }
  std::size_t transaction_count() const { return transactions_.size(); }
  bool transaction_live(Xid xid) const { return transactions_.count(xid.value) != 0; }
  /// A-13 (P): the original offset at which our DSS was sent.
  std::optional<std::uint64_t> stop_sending_offset(Xid xid) const;

 private:
  enum class State { idle, open, closed };

  // connection.cpp
  void ensure_started();
  void handle(Message message);
  void handle_invalid(const Message& message, const CatalogError& error);
  bool sent_by_wrong_side(std::string_view name);
  void send(AnyMessage message);
  bool answer_fits();
  void event(Event e) { events_.push_back(std::move(e)); }
  void ignore(std::string name, std::string reason);
  void fail_connection(std::string reason);
  void fail_transaction(Xid xid, std::string reason);
  void end_connection(Result result, Side by);
  CommandResult<> can_send(bool phase_message = false) const;
  detail::Transaction* live(Xid xid, std::string_view name);
  CommandResult<detail::Transaction*> command_transaction(Xid xid);
  void touch(detail::Transaction& t) { t.last_activity = now_; }
  detail::Flow& my_flow(detail::Transaction& t);
  detail::Flow& peer_flow(detail::Transaction& t);

  // negotiation.cpp
  void on(const ConnectionStart&);
  void on(const ConnectionEnd&);
  void on(const NegotiationOffer&);
  void on(const NegotiationResponse&);
  void on(const AbilityQuery&);
  void on(const AbilityAnswer&);
  void on(const ProgressQuery&);
  void on(const ProgressAnswer&);
  void on(const ProgressReport&);
  void on(const UnknownMessage&);
  ProgressAnswer progress_of(std::optional<Xid> xid) const;
  void enable(const Feature& feature, std::optional<ServiceGroupId> sg, Side creator);
  bool profile_covers(const detail::ServiceGroup& group) const;

  // transactions.cpp
  void on(const ServiceGroupCreated&);
  void on(const ServiceGroupDestroyed&);
  void on(const TransactionStart&);
  void on(const TransactionEnd&);
  void on(const ApplicationMessageStart&);
  void on(const ApplicationMessageEnd&);

  // dataflow.cpp
  void on(const DataUseMine&);
  void on(const DataUseYours&);
  void on(const DataPreservationInterest&);
  void on(const WantStopReceivingData&);
  void on(const WantStopSendingData&);
  void on(const StopSendingData&);
  void on(const WantDataPaused&);
  void on(const PausedMyData&);
  void on(const WantMoreData&);
  CommandResult<> check_can_carry(detail::Transaction& t, std::uint64_t size) const;
  void after_my_data(detail::Transaction& t);

  Config config_;
  State state_ = State::idle;
  bool peer_started_ = false;
  TimePoint now_{};
  TimePoint last_received_{};
  StreamParser parser_;
  std::string output_;
  std::deque<Event> events_;

  // negotiation (c.2)
  struct OwnOffer {
    NegotiationOffer message;
  };
  std::optional<OwnOffer> my_offer_;
  bool bootstrap_pending_ = false;  // P: CS sent, bootstrap NO not yet
  bool in_phase_ = false;
  TimePoint negotiation_activity_{};
  std::vector<Feature> connection_features_;
  std::deque<Feature> my_ability_queries_;
  std::deque<std::optional<Xid>> my_progress_queries_;

  // service groups (c.3), one table per creator
  detail::ServiceGroupTable my_groups_;
  detail::ServiceGroupTable peer_groups_;

  // transactions (c.4)
  std::map<std::uint32_t, detail::Transaction> transactions_;
  std::optional<std::uint32_t> highest_xid_;
};

}  // namespace ocp::engine
