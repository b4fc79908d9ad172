// RFC 4037 §11.3–§11.8: service groups, transactions, application messages.

#include "ocp/engine/connection.hpp"

namespace ocp::engine {

namespace {

std::string number(std::uint32_t n) { return std::to_string(n); }

Result result_or_ok(const std::optional<Result>& result) {
  return result.value_or(Result{Result::kOk, std::nullopt, {}});
}

}  // namespace

// ---- service groups (c.3) ------------------------------------------------------

CommandResult<ServiceGroupId> Connection::create_service_group(std::vector<Service> services,
                                                               std::optional<ServiceGroupId> id) {
  // the processor may create the group its bootstrap offer names first.
  if (auto ok = can_send(bootstrap_pending_ && !in_phase_); !ok) return unexpected(ok.error());
  if (my_groups_.bound.size() >= config_.limits.max_service_groups) {
    return unexpected(CommandError{"too many service groups"});
  }
  std::uint32_t next = my_groups_.highest ? *my_groups_.highest + 1 : 1;
  if (id) {
    if (my_groups_.highest && id->value <= *my_groups_.highest) {
      return unexpected(CommandError{"service group ids must strictly increase"});
    }
    next = id->value;
  }
  if (next > kMaxUni) return unexpected(CommandError{"service group ids exhausted"});
  send(ServiceGroupCreated{{}, ServiceGroupId{next}, services});
  my_groups_.highest = next;
  my_groups_.bound[next] = detail::ServiceGroup{std::move(services), {}};
  return ServiceGroupId{next};
}

CommandResult<> Connection::destroy_service_group(ServiceGroupId sg) {
  if (auto ok = can_send(); !ok) return ok;
  if (!my_groups_.bound.erase(sg.value)) {
    return unexpected(CommandError{"service group " + number(sg.value) + " is not bound"});
  }
  send(ServiceGroupDestroyed{{}, sg});
  return {};
}

void Connection::on(const ServiceGroupCreated& m) {
  // §10.2 uni: ids are never reused and strictly increase per creator.
  if (peer_groups_.highest && m.sg_id.value <= *peer_groups_.highest) {
    fail_connection("SGC service group id " + number(m.sg_id.value) + " does not increase");
    return;
  }
  // §11.3: a binding we cannot keep ends the connection.
  if (peer_groups_.bound.size() >= config_.limits.max_service_groups) {
    fail_connection("too many service groups");
    return;
  }
  peer_groups_.highest = m.sg_id.value;
  peer_groups_.bound[m.sg_id.value] = detail::ServiceGroup{m.services, {}};
  event(ServiceGroupCreatedByPeer{m.sg_id, m.services});
}

void Connection::on(const ServiceGroupDestroyed& m) {
  // §11.4; A-10: running transactions keep their copy of the services.
  if (!peer_groups_.bound.erase(m.sg_id.value)) {
    fail_connection("SGD names unknown service group " + number(m.sg_id.value));
    return;
  }
  event(ServiceGroupDestroyedByPeer{m.sg_id});
}

// ---- transactions (c.4) --------------------------------------------------------

CommandResult<Xid> Connection::start_transaction(ServiceGroupId sg, std::optional<Xid> xid) {
  if (config_.role != Role::processor) {
    return unexpected(CommandError{"only the processor sends TS"});
  }
  if (auto ok = can_send(); !ok) return unexpected(ok.error());
  auto group = my_groups_.bound.find(sg.value);
  if (group == my_groups_.bound.end()) {
    return unexpected(CommandError{"service group " + number(sg.value) + " is not bound"});
  }
  if (!profile_covers(group->second)) {
    return unexpected(CommandError{"no application profile negotiated for service group " +
                                   number(sg.value)});
  }
  if (transactions_.size() >= config_.limits.max_transactions) {
    return unexpected(CommandError{"too many concurrent transactions"});
  }
  std::uint32_t next = highest_xid_ ? *highest_xid_ + 1 : 1;
  if (xid) {
    if (highest_xid_ && xid->value <= *highest_xid_) {
      return unexpected(CommandError{"xids must strictly increase"});
    }
    next = xid->value;
  }
  if (next > kMaxUni) return unexpected(CommandError{"xids exhausted: close the connection"});
  send(TransactionStart{{}, Xid{next}, sg});
  highest_xid_ = next;
  detail::Transaction& t = transactions_[next];
  t.xid = Xid{next};
  t.sg = sg;
  t.services = group->second.services;
  touch(t);
  return Xid{next};
}

void Connection::on(const TransactionStart& m) {
  const std::uint32_t xid = m.xid.value;
  if (highest_xid_ && xid <= *highest_xid_) {
    if (transactions_.count(xid)) {
      fail_transaction(m.xid, "TS for a live transaction");
    } else {
      // §10.7: xids are never reused and strictly increase.
      fail_connection("TS xid " + number(xid) + " does not increase");
    }
    return;
  }
  highest_xid_ = xid;
  // The xid now exists, so every refusal below is a TE for it (§11.5).
  auto group = peer_groups_.bound.find(m.sg_id.value);
  if (group == peer_groups_.bound.end()) {
    fail_transaction(m.xid, "TS names unknown service group " + number(m.sg_id.value));
    return;
  }
  if (!profile_covers(group->second)) {
    //
    fail_transaction(m.xid, "no application profile negotiated for service group " +
                                number(m.sg_id.value));
    return;
  }
  if (transactions_.size() >= config_.limits.max_transactions) {
    // §13: a resource limit refuses the transaction.
    fail_transaction(m.xid, "too many concurrent transactions");
    return;
  }
  detail::Transaction& t = transactions_[xid];
  t.xid = m.xid;
  t.sg = m.sg_id;
  t.services = group->second.services;
  touch(t);
  event(TransactionStarted{m.xid, m.sg_id, t.services});
}

CommandResult<> Connection::end_transaction(Xid xid, std::optional<Result> result) {
  // §6.1 keeps TE out of Negotiation Phases: command_transaction refuses it there.
  auto t = command_transaction(xid);
  if (!t) return unexpected(t.error());
  send(TransactionEnd{{}, xid, std::move(result)});
  transactions_.erase(xid.value);
  return {};
}

void Connection::on(const TransactionEnd& m) {
  if (!live(m.xid, "TE")) return;
  // §4: the first TE sent or received ends the transaction; A-11: never answer it.
  transactions_.erase(m.xid.value);
  event(TransactionEnded{m.xid, result_or_ok(m.result), Side::peer});
}

// ---- application messages (§11.7, §11.8) -----------------------------------------

CommandResult<> Connection::start_application_message(Xid xid,
                                                      std::optional<std::vector<Service>> services,
                                                      Extensions extensions) {
  auto t = command_transaction(xid);
  if (!t) return unexpected(t.error());
  detail::Flow& flow = my_flow(**t);
  // §2.4: one original and one adapted application message per transaction.
  if (flow.state != detail::Flow::State::not_started) {
    return unexpected(CommandError{"application message already started"});
  }
  ApplicationMessageStart message{};
  message.extensions = std::move(extensions);
  message.xid = xid;
  message.services = std::move(services);
  send(std::move(message));
  flow.state = detail::Flow::State::open;
  return {};
}

CommandResult<> Connection::end_application_message(Xid xid, std::optional<Result> result) {
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  detail::Transaction& t = **found;
  detail::Flow& flow = my_flow(t);
  if (flow.state != detail::Flow::State::open) {
    return unexpected(CommandError{"application message is not open"});
  }
  if (result && result->code == Result::kPartial) {
    if (config_.role == Role::callout_server) {
      // §8.2: the adapted flow ends early only in answer to DSS (sent by the engine).
      return unexpected(CommandError{"AME 206 from the callout server needs a DSS"});
    }
    // the original flow is cut short only after the server's DWSR.
    if (!t.dwsr) return unexpected(CommandError{"AME 206 needs the callout server's DWSR"});
    // §8.3: after DWSS and DWSR, DSS goes out before the original AME 206.
    if (t.dwss && !t.dss && t.adapted.state == detail::Flow::State::open) {
      return unexpected(CommandError{"send DSS before AME 206"});
    }
  }
  send(ApplicationMessageEnd{{}, xid, std::nullopt, std::move(result)});
  flow.state = detail::Flow::State::ended;
  return {};
}

CommandResult<> Connection::refuse_application_message(Xid xid, std::string reason) {
  if (config_.role != Role::callout_server) {
    return unexpected(CommandError{"only the callout server refuses the original message"});
  }
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  // AME {400} answers the AMS, TE {400} ends the transaction.
  Result failure = Result::failure(std::move(reason));
  send(ApplicationMessageEnd{{}, xid, std::nullopt, failure});
  send(TransactionEnd{{}, xid, failure});
  transactions_.erase(xid.value);
  return {};
}

void Connection::on(const ApplicationMessageStart& m) {
  detail::Transaction* t = live(m.xid, "AMS");
  if (!t) return;
  detail::Flow& flow = peer_flow(*t);
  if (flow.state != detail::Flow::State::not_started) {
    // §2.4: a second application message needs an extension.
    fail_transaction(m.xid, "second AMS in transaction");
    return;
  }
  flow.state = detail::Flow::State::open;
  Dataflow which = config_.role == Role::processor ? Dataflow::adapted : Dataflow::original;
  event(ApplicationMessageStarted{m.xid, which, m.services, m.extensions});
}

void Connection::on(const ApplicationMessageEnd& m) {
  detail::Transaction* t = live(m.xid, "AME");
  if (!t) return;
  detail::Flow& flow = peer_flow(*t);
  Result result = result_or_ok(m.result);
  // §10.10: 206 is defined for AME; other unknown codes count as 400.
  const std::uint32_t code = result.effective_code(true);
  const bool processor = config_.role == Role::processor;
  if (flow.state == detail::Flow::State::not_started) {
    if (!(processor && code == Result::kFailure)) {
      fail_transaction(m.xid, "AME without AMS");
      return;
    }
    // the server refused the original message before answering it.
  } else if (flow.state == detail::Flow::State::ended) {
    fail_transaction(m.xid, "second AME in transaction");
    return;
  }
  if (processor && code == Result::kPartial && !t->dss) {
    // §8.2, §11.13: without our DSS the adapted message cannot be rebuilt.
    fail_transaction(m.xid, t->dwss ? "AME 206 before DSS" : "AME 206 without DWSS and DSS");
    return;
  }
  flow.state = detail::Flow::State::ended;
  // the server's AME ends our preservation commitment.
  if (processor) t->preserved.release();
  Dataflow which = processor ? Dataflow::adapted : Dataflow::original;
  event(ApplicationMessageEnded{m.xid, which, std::move(result)});
}

}  // namespace ocp::engine
