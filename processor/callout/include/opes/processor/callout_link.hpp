#pragma once
// The OPES processor's side of one OCP connection (RFC 4037) under the SMTP
// profile (draft-ietf-opes-smtp-00 §3), sans-I/O, over ocp::engine in
// Role::processor:
//
//   CS, NO {SMTP profile}; NR checked (smtp §3.2.3-§3.2.5); SGC per group
//   per transaction: TS, AMS, the parts as the SMTP client sends them (one
//   DUM per command part, content cut and coalesced into DUMs of at most
//   max_dum_payload), AME, then TE when the SMTP transaction is over
//
// Many transactions share the link, one per SMTP session using it. Each
// adaptive part instance gets one answer, in the order the parts were sent;
// a command's answer comes before the proxy replies to the SMTP client.
// Bytes and time in; bytes, events and error values out. No sockets, no
// clock of its own.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/engine/connection.hpp"
#include "ocp/expected.hpp"
#include "ocp/smtp/am_option.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/smtp_profile.hpp"
#include "opes/processor/detail/link_transaction.hpp"
#include "opes/processor/link_error.hpp"
#include "opes/processor/link_events.hpp"
#include "opes/processor/link_settings.hpp"

namespace opes::processor {

/// What send() did with a part, by the negotiated profile.
enum class PartDisposition {
  adaptive,        // sent; an AnswerReceived will come
  informative,     // sent; no answer
  not_negotiated,  // not sent at all
};

template <class T = void>
using LinkResult = ocp::Expected<T, LinkError>;

class CalloutLink {
 public:
  /// Writes CS and the NO at once (RFC 4037 §6.1: the processor's bootstrap
  /// offer). Settings that cannot work fail the link before anything is sent.
  CalloutLink(LinkSettings settings, TimePoint now);

  // ---- transport -----------------------------------------------------------
  void receive(std::string_view bytes, TimePoint now);
  void receive_eof(TimePoint now);
  void on_timer(TimePoint now);
  /// When on_timer() has something to do.
  std::optional<TimePoint> next_deadline() const;
  std::string_view pending_output() const { return engine_.pending_output(); }
  void consume_output(std::size_t n);
  /// Octets written and not consumed, plus original octets queued behind a
  /// pause (RFC 4037 §11.15) or still being coalesced into a DUM. The proxy
  /// stops reading its SMTP client while this is above its watermark.
  std::size_t output_size() const { return engine_.pending_output().size() + queued_bytes_; }

  // ---- state ---------------------------------------------------------------
  /// Negotiated, service groups created, not failed nor closing.
  bool ready() const { return ready_ && !failed() && !closing_; }
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  /// CE written (close(), or the link failed).
  bool closed() const { return engine_.closed(); }
  /// The profile in force (the NR's): which parts are adaptive, informative,
  /// or not sent, and the Header-List for SINGLEHEADERS.
  const std::optional<ocp::smtp::SmtpProfile>& profile() const { return profile_; }
  std::size_t open_transactions() const { return open_.size(); }

  // ---- transactions --------------------------------------------------------
  /// TS and AMS for a transaction through service group `group` (an index
  /// into LinkSettings::service_groups). `meta` goes as AM-OPT on the
  /// transaction's first DUM (smtp §3.4.3 Figure 15): client address, TLS,
  /// authenticated identity.
  LinkResult<TransactionId> begin(std::size_t group, std::vector<ocp::smtp::AmOption> meta,
                                  TimePoint now);
  /// The index of the service group running exactly `uris`, in order: a
  /// configured one, or one created now with an SGC (RFC 4037 §11.3), e.g.
  /// a configured group less the services a sender bypassed.
  LinkResult<std::size_t> group_for(const std::vector<std::string>& uris, TimePoint now);
  /// The next octets of the original message. `starts_instance` is true for
  /// a new part instance (each MAIL, RCPT, ...; the first piece of RAWDATA)
  /// and false for more octets of the same one; the order is checked with
  /// ocp::smtp::PartSequence (an error value, nothing sent).
  LinkResult<PartDisposition> send(TransactionId id, const ocp::smtp::AmPart& part,
                                   std::string_view bytes, bool starts_instance, TimePoint now);
  /// AME: the original message is complete; the content answers follow.
  LinkResult<> end_original(TransactionId id, TimePoint now);
  /// TE 200: the SMTP transaction is over (handled, RSET or QUIT: smtp
  /// §3.2.1 "MUST terminate the corresponding OCP transaction"). Succeeds
  /// without sending anything when the transaction has already ended.
  LinkResult<> finish(TransactionId id, TimePoint now);
  /// TE 400 with `reason` (the SMTP client went away, say).
  LinkResult<> abort(TransactionId id, std::string reason, TimePoint now);

  // ---- connection ----------------------------------------------------------
  /// RFC 4037 §11.22: a PQ; ProbeAnswered, or LinkFailed after the probe timeout.
  LinkResult<> probe(TimePoint now);
  /// No new transactions; CE 200 once none is open (LinkClosed).
  LinkResult<> close(TimePoint now);

  std::optional<LinkEvent> next_event();

 private:
  using Transactions = std::map<std::uint32_t, detail::LinkTransaction>;

  // callout_link.cpp
  void advance(TimePoint now);
  void process_engine_events(TimePoint now);
  void on_negotiated(const ocp::engine::NegotiationCompleted& event);
  void on_connection_closed(const ocp::engine::ConnectionClosed& event);
  void on_progress(const ocp::engine::ProgressAnswered& event, TimePoint now);
  void run_timeouts(TimePoint now);
  void fail_link(std::string reason, bool in_order = false);
  void close_if_drained();
  void emit(LinkEvent event) { events_.push_back(std::move(event)); }

  // link_sending.cpp
  LinkResult<detail::LinkTransaction*> open_transaction(TransactionId id);
  void flush(detail::LinkTransaction& t);
  void flush_all();
  void drop_outbox(detail::LinkTransaction& t);

  // link_answers.cpp
  void on_answer(const ocp::engine::DataReceived& event);
  void on_reused_data(const ocp::engine::PreservedDataUsed& event);
  void on_adapted_end(const ocp::engine::ApplicationMessageEnded& event);
  void on_transaction_ended(const ocp::engine::TransactionEnded& event);
  /// Ends a transaction the link gave up on: TE 400 and TransactionFinished.
  void end_transaction(Transactions::iterator it, std::string reason);
  std::optional<TimePoint> answer_deadline(const detail::LinkTransaction& t) const;
  std::string timeout_reason(const detail::LinkTransaction& t, TimePoint now) const;

  LinkSettings settings_;
  ocp::engine::Connection engine_;
  std::vector<ocp::Feature> offered_;
  std::optional<ocp::smtp::SmtpProfile> profile_;
  std::vector<ocp::ServiceGroupId> groups_;
  bool ready_ = false;
  bool closing_ = false;
  std::string failure_;
  Transactions open_;
  std::uint32_t highest_xid_ = 0;
  std::size_t queued_bytes_ = 0;
  std::deque<TimePoint> probes_;  // our PQs, oldest first (A-15: answered in order)
  std::deque<LinkEvent> events_;
};

}  // namespace opes::processor
