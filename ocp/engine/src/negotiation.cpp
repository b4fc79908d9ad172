// RFC 4037 §6, §11.1, §11.2, §11.18–§11.24: connection start and end,
// negotiation, ability and progress dialogs.

#include <algorithm>

#include "ocp/engine/connection.hpp"

namespace ocp::engine {

namespace {

bool same_uri(const Feature& a, const Feature& b) { return a.uri == b.uri; }

}  // namespace

CommandResult<> Connection::start() {
  if (state_ != State::idle) return unexpected(CommandError{"CS was already sent"});
  state_ = State::open;
  // §11.1: CS first, exactly once.
  send(ConnectionStart{});
  // §6.1: the processor's bootstrap NO must follow immediately.
  bootstrap_pending_ = config_.role == Role::processor;
  return {};
}

void Connection::on(const ConnectionStart&) {
  // §11.1: later CS messages are ignored.
  ignore("CS", "repeated CS");
}

void Connection::on(const ConnectionEnd& m) {
  // §11.2: release everything; an absent result means 200 (§10.10).
  end_connection(m.result.value_or(Result{Result::kOk, std::nullopt, {}}), Side::peer);
}

// ---- negotiation (c.2) -------------------------------------------------------

CommandResult<> Connection::offer(std::vector<Feature> features, std::optional<ServiceGroupId> sg,
                                  std::optional<bool> offer_pending) {
  if (auto ok = can_send(true); !ok) return ok;
  // c.2: one outstanding offer per agent.
  if (my_offer_) return unexpected(CommandError{"an offer is already awaiting its NR"});
  if (sg && !my_groups_.bound.count(sg->value)) {
    return unexpected(CommandError{"NO names unknown service group " + std::to_string(sg->value)});
  }
  NegotiationOffer message{{}, std::move(features), sg, offer_pending};
  send(message);
  my_offer_ = OwnOffer{std::move(message)};
  bootstrap_pending_ = false;
  in_phase_ = true;  // the first NO sent or received opens the phase
  negotiation_activity_ = now_;
  return {};
}

void Connection::enable(const Feature& feature, std::optional<ServiceGroupId> sg, Side creator) {
  // §11.18: SG scope applies the feature to that group's new transactions only.
  if (!sg) {
    connection_features_.push_back(feature);
    return;
  }
  auto& table = creator == Side::local ? my_groups_ : peer_groups_;
  if (auto it = table.bound.find(sg->value); it != table.bound.end()) {
    it->second.features.push_back(feature);
  }
}

bool Connection::profile_covers(const detail::ServiceGroup& group) const {
  // a profile negotiated for the connection or for this group.
  auto profile = [this](const Feature& f) { return config_.is_profile(f); };
  return std::any_of(connection_features_.begin(), connection_features_.end(), profile) ||
         std::any_of(group.features.begin(), group.features.end(), profile);
}

void Connection::on(const NegotiationOffer& m) {
  negotiation_activity_ = now_;
  // §11.18: SG names a group the offering agent created.
  const detail::ServiceGroup* group = nullptr;
  if (m.sg_id) {
    auto it = peer_groups_.bound.find(m.sg_id->value);
    if (it == peer_groups_.bound.end()) {
      fail_connection("NO names unknown service group " + std::to_string(m.sg_id->value));
      return;
    }
    group = &it->second;
  }
  if (my_offer_) {
    if (config_.role == Role::processor) {
      // c.2: the processor disregards the server's NO while its own is pending.
      ignore("NO", "offer collision: the processor's offer wins");
      return;
    }
    // c.2: the callout server drops its own offer and answers at once.
    event(NegotiationFailed{my_offer_->message.features, my_offer_->message.sg_id, {}, {},
                            Side::local, "offer collision: the processor's offer wins"});
    my_offer_.reset();
  }
  in_phase_ = true;
  if (!answer_fits()) return;
  OfferContext context{m.features, m.sg_id, m.offer_pending.value_or(false),
                       connection_features_, group ? &group->features : nullptr};
  OfferAnswer answer = config_.on_offer(context);
  if (answer.accepted &&
      std::none_of(m.features.begin(), m.features.end(),
                   [&](const Feature& f) { return same_uri(f, *answer.accepted); })) {
    // §11.19: only an offered feature can be accepted.
    answer.accepted.reset();
  }
  NegotiationResponse response{{},
                               answer.accepted,
                               m.sg_id,
                               answer.rejects.empty() ? std::nullopt
                                                      : std::optional(answer.rejects),
                               answer.unknowns.empty() ? std::nullopt
                                                       : std::optional(answer.unknowns),
                               answer.offer_pending ? std::optional(true) : std::nullopt};
  send(response);
  // §6.1: the phase stays open while either side said Offer-Pending: true.
  in_phase_ = m.offer_pending.value_or(false) || answer.offer_pending;
  if (answer.accepted) {
    enable(*answer.accepted, m.sg_id, Side::peer);
    event(NegotiationCompleted{*answer.accepted, m.sg_id, Side::peer});
  } else {
    event(NegotiationFailed{m.features, m.sg_id, std::move(answer.rejects),
                            std::move(answer.unknowns), Side::peer, "offer rejected"});
  }
}

void Connection::on(const NegotiationResponse& m) {
  negotiation_activity_ = now_;
  if (!my_offer_) {
    fail_connection("NR without an outstanding NO");
    return;
  }
  const NegotiationOffer& offered = my_offer_->message;
  // §11.19: SG exactly when the NO had it, with the same value.
  if (m.sg_id != offered.sg_id) {
    fail_connection("NR SG does not match the NO");
    return;
  }
  if (m.feature && std::none_of(offered.features.begin(), offered.features.end(),
                                [&](const Feature& f) { return same_uri(f, *m.feature); })) {
    // §11.19: the offerer treats it as failed and MAY close; we do.
    fail_connection("NR accepts a feature that was not offered");
    return;
  }
  in_phase_ = offered.offer_pending.value_or(false) || m.offer_pending.value_or(false);
  std::optional<ServiceGroupId> sg = offered.sg_id;
  std::vector<Feature> features = offered.features;
  my_offer_.reset();
  if (m.feature) {
    enable(*m.feature, sg, Side::local);
    event(NegotiationCompleted{*m.feature, sg, Side::local});
  } else {
    event(NegotiationFailed{std::move(features), sg, m.rejects.value_or(std::vector<Feature>{}),
                            m.unknowns.value_or(std::vector<Feature>{}), Side::local,
                            "offer rejected"});
  }
}

// ---- ability (§11.20, §11.21) -------------------------------------------------

CommandResult<> Connection::ability_query(Feature feature) {
  if (auto ok = can_send(true); !ok) return ok;
  if (my_ability_queries_.size() >= config_.limits.max_outstanding_queries) {
    return unexpected(CommandError{"too many outstanding queries"});
  }
  send(AbilityQuery{{}, feature});
  my_ability_queries_.push_back(std::move(feature));
  return {};
}

void Connection::on(const AbilityQuery& m) {
  // §11.20: answered immediately; read-only.
  if (!answer_fits()) return;
  send(AbilityAnswer{{}, config_.supports(m.feature)});
}

void Connection::on(const AbilityAnswer& m) {
  if (my_ability_queries_.empty()) {
    ignore("AA", "no AQ outstanding");
    return;
  }
  // answers come in query order.
  Feature feature = std::move(my_ability_queries_.front());
  my_ability_queries_.pop_front();
  event(AbilityAnswered{std::move(feature), m.supported});
}

// ---- progress (§11.22–§11.24) ------------------------------------------------

ProgressAnswer Connection::progress_of(std::optional<Xid> xid) const {
  ProgressAnswer answer;
  if (!xid) return answer;
  auto it = transactions_.find(xid->value);
  // §11.23: the xid only when working on it; Org-Data only while the
  // original application message is open (sent by P / received by S).
  if (it == transactions_.end()) return answer;
  answer.xid = xid;
  const detail::Flow& original = it->second.original;
  if (original.state == detail::Flow::State::open) {
    answer.org_data = static_cast<std::uint32_t>(original.offset);
  }
  return answer;
}

CommandResult<> Connection::progress_query(std::optional<Xid> xid) {
  if (auto ok = can_send(true); !ok) return ok;
  if (my_progress_queries_.size() >= config_.limits.max_outstanding_queries) {
    return unexpected(CommandError{"too many outstanding queries"});
  }
  send(ProgressQuery{{}, xid});
  my_progress_queries_.push_back(xid);
  return {};
}

CommandResult<> Connection::progress_report(std::optional<Xid> xid) {
  if (auto ok = can_send(true); !ok) return ok;
  ProgressAnswer progress = progress_of(xid);
  send(ProgressReport{{}, progress.xid, progress.org_data});
  return {};
}

void Connection::on(const ProgressQuery& m) {
  // §11.22: answered immediately, even for an xid we do not know.
  if (!answer_fits()) return;
  send(progress_of(m.xid));
}

void Connection::on(const ProgressAnswer& m) {
  if (my_progress_queries_.empty()) {
    ignore("PA", "no PQ outstanding");
    return;
  }
  std::optional<Xid> queried = my_progress_queries_.front();
  my_progress_queries_.pop_front();
  event(ProgressAnswered{queried, m.xid, m.org_data});
}

void Connection::on(const ProgressReport& m) { event(ProgressReported{m.xid, m.org_data}); }

}  // namespace ocp::engine
