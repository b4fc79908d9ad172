// RFC 4037 §5, §11.1, §11.2: the connection, input dispatch, output, timeouts.

#include <algorithm>
#include <array>
#include <utility>

#include "ocp/engine/connection.hpp"
#include "ocp/serializer.hpp"

namespace ocp::engine {

namespace {

struct MessageRule {
  std::string_view name;
  Sender sender;
  Scope scope;
};

/// Appendix A senders and §5 scopes, by wire name, so that a message that
/// does not even decode can be judged and given its scope (§5).
template <class T>
constexpr MessageRule rule_of() {
  return {T::kName, T::kSentBy, T::kScope};
}

constexpr std::array kRules = {
    rule_of<ConnectionStart>(),         rule_of<ConnectionEnd>(),
    rule_of<ServiceGroupCreated>(),     rule_of<ServiceGroupDestroyed>(),
    rule_of<TransactionStart>(),        rule_of<TransactionEnd>(),
    rule_of<ApplicationMessageStart>(), rule_of<ApplicationMessageEnd>(),
    rule_of<DataUseMine>(),             rule_of<DataUseYours>(),
    rule_of<DataPreservationInterest>(), rule_of<WantStopReceivingData>(),
    rule_of<WantStopSendingData>(),     rule_of<StopSendingData>(),
    rule_of<WantDataPaused>(),          rule_of<PausedMyData>(),
    rule_of<WantMoreData>(),            rule_of<NegotiationOffer>(),
    rule_of<NegotiationResponse>(),     rule_of<AbilityQuery>(),
    rule_of<AbilityAnswer>(),           rule_of<ProgressQuery>(),
    rule_of<ProgressAnswer>(),          rule_of<ProgressReport>(),
};

const MessageRule* rule_for(std::string_view name) {
  for (const auto& rule : kRules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

std::string role_name(Role role) {
  return role == Role::processor ? "the processor" : "the callout server";
}

}  // namespace

Connection::Connection(Config config, TimePoint now)
    : config_(std::move(config)), now_(now), last_received_(now), parser_(config_.parse) {
  if (!config_.on_offer) config_.on_offer = [](const OfferContext&) { return OfferAnswer{}; };
  if (!config_.supports) config_.supports = [](const Feature&) { return false; };
  if (!config_.is_profile) config_.is_profile = [](const Feature&) { return true; };
}

// ---- input -----------------------------------------------------------------

void Connection::receive(std::string_view bytes, TimePoint now) {
  now_ = now;
  if (state_ == State::closed) return;
  ensure_started();
  parser_.append(bytes);
  while (state_ != State::closed) {
    auto next = parser_.next();
    if (!next) {
      // §3.1 framing cannot resynchronise: the connection must end.
      fail_connection("syntax error: " + next.error().describe());
      return;
    }
    if (!*next) return;
    last_received_ = now_;
    handle(std::move(**next));
  }
}

void Connection::receive_eof() {
  if (state_ == State::closed) return;
  // §11.2: premature closure counts as CE 400; nothing can be sent back.
  state_ = State::closed;
  transactions_.clear();
  event(ConnectionClosed{Result::failure("transport closed without CE"), Side::peer});
}

void Connection::ensure_started() {
  if (state_ == State::idle) (void)start();
}

void Connection::handle(Message message) {
  // §11.1: the first message must be CS.
  if (!peer_started_) {
    if (message.name != ConnectionStart::kName) {
      fail_connection("first message is not CS");
      return;
    }
    peer_started_ = true;
    event(PeerStarted{});
    return;
  }
  if (sent_by_wrong_side(message.name)) return;
  auto decoded = decode(message, config_.decode);
  if (!decoded) {
    handle_invalid(message, decoded.error());
    return;
  }
  std::visit([this](const auto& m) { on(m); }, *decoded);
}

bool Connection::sent_by_wrong_side(std::string_view name) {
  const MessageRule* rule = rule_for(name);
  if (!rule || rule->sender == Sender::either) return false;
  Sender peer = config_.role == Role::processor ? Sender::callout_server : Sender::processor;
  if (rule->sender == peer) return false;
  // Core gives this message no meaning from this sender: ignore and report.
  Role peer_role = config_.role == Role::processor ? Role::callout_server : Role::processor;
  ignore(std::string(name), std::string(name) + " from " + role_name(peer_role) + " has no meaning");
  return true;
}

void Connection::handle_invalid(const Message& message, const CatalogError& error) {
  const MessageRule* rule = rule_for(message.name);
  // §5: a transaction-scoped message with a usable xid ends the transaction;
  // otherwise (connection scope, or scope undeterminable) the connection.
  if (rule && rule->scope == Scope::transaction && !message.anonymous.empty()) {
    auto xid = read_xid(message.anonymous.front());
    // A TS that does not decode created nothing: its scope is undeterminable.
    if (xid && message.name != TransactionStart::kName) {
      if (live(*xid, message.name)) fail_transaction(*xid, error.describe());
      return;
    }
  }
  fail_connection(error.describe());
}

void Connection::on(const UnknownMessage& m) {
  // §11: a message name Core does not define is ignored.
  ignore(m.message.name, "unknown message");
}

// ---- transactions lookup ----------------------------------------------------

detail::Transaction* Connection::live(Xid xid, std::string_view name) {
  auto it = transactions_.find(xid.value);
  if (it != transactions_.end()) {
    touch(it->second);
    return &it->second;
  }
  if (highest_xid_ && xid.value <= *highest_xid_) {
    // xids only grow, so this one ended (crossing TE): ignore silently.
    ignore(std::string(name), "transaction " + std::to_string(xid.value) + " has ended");
    return nullptr;
  }
  // no transaction to end, so the scope is the connection (§5).
  fail_connection(std::string(name) + " names unknown transaction " + std::to_string(xid.value));
  return nullptr;
}

detail::Flow& Connection::my_flow(detail::Transaction& t) {
  return config_.role == Role::processor ? t.original : t.adapted;
}

detail::Flow& Connection::peer_flow(detail::Transaction& t) {
  return config_.role == Role::processor ? t.adapted : t.original;
}

// ---- output -----------------------------------------------------------------

void Connection::send(AnyMessage message) {
  serialize(encode(message), output_);
}

void Connection::consume_output(std::size_t n) {
  output_.erase(0, std::min(n, output_.size()));
}

bool Connection::answer_fits() {
  // §13: a peer that never reads cannot make us buffer answers without bound.
  if (output_.size() < config_.limits.max_output_bytes) return true;
  fail_connection("output buffer limit exceeded");
  return false;
}

std::optional<Event> Connection::next_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Connection::ignore(std::string name, std::string reason) {
  event(MessageIgnored{std::move(name), std::move(reason)});
}

// ---- ending things -------------------------------------------------------------

void Connection::fail_transaction(Xid xid, std::string reason) {
  // §5: the terminating agent uses 400 and may name the cause.
  Result result = Result::failure(std::move(reason));
  send(TransactionEnd{{}, xid, result});
  transactions_.erase(xid.value);
  event(TransactionEnded{xid, std::move(result), Side::local});
}

void Connection::fail_connection(std::string reason) {
  if (state_ == State::closed) return;
  Result result = Result::failure(std::move(reason));
  send(ConnectionEnd{{}, result});
  end_connection(std::move(result), Side::local);
}

void Connection::end_connection(Result result, Side by) {
  // §11.2: CE ends every transaction, negotiation and service group.
  state_ = State::closed;
  transactions_.clear();
  my_offer_.reset();
  in_phase_ = false;
  my_groups_ = {};
  peer_groups_ = {};
  event(ConnectionClosed{std::move(result), by});
}

CommandResult<> Connection::close(Result result) {
  if (state_ == State::closed) return unexpected(CommandError{"connection is closed"});
  ensure_started();
  send(ConnectionEnd{{}, std::move(result)});
  state_ = State::closed;
  transactions_.clear();
  my_offer_.reset();
  in_phase_ = false;
  return {};
}

// ---- command preconditions ------------------------------------------------------

CommandResult<> Connection::can_send(bool phase_message) const {
  if (state_ == State::closed) return unexpected(CommandError{"connection is closed"});
  if (state_ == State::idle) return unexpected(CommandError{"start() first: CS must be sent first"});
  if (output_.size() >= config_.limits.max_output_bytes) {
    return unexpected(CommandError{"output buffer full"});
  }
  if (phase_message) return {};
  if (bootstrap_pending_) {
    return unexpected(CommandError{"the processor must send its bootstrap NO right after CS"});
  }
  if (in_phase_) {
    // §6.1, A-16: inside a Negotiation Phase only NO, NR, AQ, AA, PQ, PA, PR, CE.
    return unexpected(CommandError{"negotiation phase: only phase messages may be sent"});
  }
  return {};
}

CommandResult<detail::Transaction*> Connection::command_transaction(Xid xid) {
  if (auto ok = can_send(); !ok) return unexpected(ok.error());
  auto it = transactions_.find(xid.value);
  if (it == transactions_.end()) {
    return unexpected(CommandError{"transaction " + std::to_string(xid.value) + " is not live"});
  }
  touch(it->second);
  return &it->second;
}

// ---- timeouts -------------------------------------------------------------------

std::optional<TimePoint> Connection::next_deadline() const {
  if (state_ == State::closed) return std::nullopt;
  std::optional<TimePoint> earliest;
  auto consider = [&](TimePoint t) {
    if (!earliest || t < *earliest) earliest = t;
  };
  const Timeouts& limits = config_.timeouts;
  if (limits.connection_idle.count() > 0) consider(last_received_ + limits.connection_idle);
  if (limits.negotiation.count() > 0 && (my_offer_ || in_phase_)) {
    consider(negotiation_activity_ + limits.negotiation);
  }
  if (limits.transaction_idle.count() > 0) {
    for (const auto& [id, t] : transactions_) consider(t.last_activity + limits.transaction_idle);
  }
  return earliest;
}

void Connection::on_timer(TimePoint now) {
  now_ = now;
  if (state_ == State::closed) return;
  const Timeouts& limits = config_.timeouts;
  // §2.7: whatever stops making progress is terminated forcefully.
  if (limits.connection_idle.count() > 0 && now >= last_received_ + limits.connection_idle) {
    fail_connection("idle connection timeout");
    return;
  }
  if (limits.negotiation.count() > 0 && (my_offer_ || in_phase_) &&
      now >= negotiation_activity_ + limits.negotiation) {
    fail_connection("negotiation timeout");
    return;
  }
  if (limits.transaction_idle.count() > 0) {
    std::vector<Xid> expired;
    for (const auto& [id, t] : transactions_) {
      if (now >= t.last_activity + limits.transaction_idle) expired.push_back(t.xid);
    }
    for (Xid xid : expired) fail_transaction(xid, "transaction idle timeout");
  }
}

std::optional<std::uint64_t> Connection::send_window(Xid xid) const {
  auto it = transactions_.find(xid.value);
  if (it == transactions_.end()) return 0;
  const detail::Transaction& t = it->second;
  if (t.my_flow_paused) return 0;
  if (!t.pause_at) return std::nullopt;
  const detail::Flow& flow = config_.role == Role::processor ? t.original : t.adapted;
  return *t.pause_at > flow.offset ? *t.pause_at - flow.offset : 0;
}

std::optional<std::uint64_t> Connection::stop_sending_offset(Xid xid) const {
  auto it = transactions_.find(xid.value);
  if (it == transactions_.end() || !it->second.dss) return std::nullopt;
  return it->second.dss_original_offset;
}

}  // namespace ocp::engine
