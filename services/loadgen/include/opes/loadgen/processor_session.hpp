#pragma once
// One OCP connection of an OPES processor under the SMTP receiver profile,
// sans-I/O (bytes and time in, bytes and outcomes out), over the OCP Core
// engine in Role::processor:
//
//   CS, NO {receiver profile, Adaptive-Parts: the offered parts}
//   NR checked (smtp §3.2.3-§3.2.5, check_response), SGC with the services
//   per transaction: TS, AMS, one DUM per negotiated part in SMTP order
//   (RAWDATA split into DUMs of at most 64 KiB), each with AM-Part and, for
//   adaptive parts, Allow: (SMTP-Error,Advice,Add-Header); AME
//   collects the adapted dataflow until the server's TE, or the CE.
//
// The transport is the caller's: load_run.hpp drives it over TCP.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/engine/connection.hpp"
#include "ocp/smtp/smtp_profile.hpp"
#include "opes/loadgen/transaction_input.hpp"
#include "opes/loadgen/transaction_outcome.hpp"

namespace opes::loadgen {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct SessionSettings {
  /// RFC 4037 §10.13: the OPES services of the one service group, in order.
  std::vector<std::string> services{};
  /// What the NO offers as adaptive (smtp §3.2.3).
  std::vector<ocp::smtp::AmPart> offered_parts{ocp::smtp::AmPart::mail, ocp::smtp::AmPart::rcpt,
                                               ocp::smtp::AmPart::rawdata};
  /// Announce `Kept: 0 <whole original>` on the first DUM so that the
  /// server may answer unchanged data with DUY (§7, §11.9); not sent when
  /// the original is larger than the engine's preservation limit.
  bool kept = false;
  /// Octets per DUM of a part that may span DUMs (smtp §3.3.1).
  std::size_t max_dum_payload = 64 * 1024;
  /// Open transactions at once (TS sent, TE not yet received).
  std::size_t max_open_transactions = 1;
  /// The engine's output buffer must hold the largest transaction.
  std::size_t max_output_bytes = 8u << 20;
};

class ProcessorSession {
 public:
  ProcessorSession(SessionSettings settings, TimePoint now);

  // ---- transport -----------------------------------------------------------
  void receive(std::string_view bytes, TimePoint now);
  void receive_eof(TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const { return engine_.next_deadline(); }
  std::string_view pending_output() const { return engine_.pending_output(); }
  void consume_output(std::size_t n) { engine_.consume_output(n); }

  // ---- state ---------------------------------------------------------------
  /// Negotiated and the service group created: transactions may start.
  bool ready() const { return profile_.has_value() && !closed(); }
  /// The profile in force (the NR's).
  const std::optional<ocp::smtp::SmtpProfile>& profile() const { return profile_; }
  /// Why the connection cannot be used (negotiation refused, NR breaking
  /// the profile's rules, CE, EOF); empty while it can.
  const std::string& failure() const { return failure_; }
  bool closed() const { return engine_.closed(); }
  bool can_start() const { return ready() && open_.size() < settings_.max_open_transactions; }
  std::size_t open_transactions() const { return open_.size(); }

  // ---- commands ------------------------------------------------------------
  /// Sends a whole transaction; its outcome arrives by take_finished(). An
  /// error text when the engine refused a command (nothing more is sent for it).
  std::optional<std::string> start(const TransactionInput& input, std::size_t connection,
                                   std::size_t sequence, TimePoint now);
  /// Ends every open transaction with `reason` and sends CE (400 when
  /// `reason` is not empty, 200 otherwise).
  void close(const std::string& reason, TimePoint now);

  /// Transactions that ended since the last call, in the order they ended.
  std::vector<TransactionOutcome> take_finished();

 private:
  struct OpenTransaction {
    TransactionOutcome outcome;
    /// Original-flow range of each part instance (index into outcome.parts,
    /// or npos for an informative part), for placing DUY octets.
    struct Span {
      std::uint64_t begin;
      std::uint64_t end;
      std::size_t part;
    };
    std::vector<Span> spans;
    std::map<std::string, std::size_t> answers_seen;  // per part token, for repeated parts
    TimePoint started;
  };

  void process_events(TimePoint now);
  void on_negotiated(const ocp::engine::NegotiationCompleted& event);
  void on_data(const ocp::engine::DataReceived& event);
  void on_preserved_data(const ocp::engine::PreservedDataUsed& event);
  void on_ended(const ocp::engine::TransactionEnded& event, TimePoint now);
  void on_connection_closed(const ocp::engine::ConnectionClosed& event, TimePoint now);
  void fail_connection(std::string reason);
  void finish(std::uint32_t xid, ocp::Result result, bool by_server, TimePoint now);
  PartOutcome* answer_slot(OpenTransaction& open, const ocp::smtp::AmPart& part,
                           std::optional<std::uint32_t> as_is);

  SessionSettings settings_;
  ocp::engine::Connection engine_;
  std::vector<ocp::Feature> offered_;
  std::optional<ocp::smtp::SmtpProfile> profile_;
  std::optional<ocp::ServiceGroupId> group_;
  std::string failure_;
  std::map<std::uint32_t, OpenTransaction> open_;
  std::vector<TransactionOutcome> finished_;
};

}  // namespace opes::loadgen
