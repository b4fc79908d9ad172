// RFC 4037 §7, §8, §11.9–§11.17: data, preservation, getting out of the
// loop, and flow control.

#include "ocp/engine/connection.hpp"

namespace ocp::engine {

namespace {

std::string number(std::uint64_t n) { return std::to_string(n); }

bool is_open(const detail::Flow& flow) { return flow.state == detail::Flow::State::open; }

}  // namespace

// ---- sending ------------------------------------------------------------------

CommandResult<> Connection::check_can_carry(detail::Transaction& t, std::uint64_t size) const {
  const detail::Flow& flow = config_.role == Role::processor ? t.original : t.adapted;
  if (!is_open(flow)) return unexpected(CommandError{"application message is not open"});
  // §11.16: no data after our DPM until DWM; A-14: DUY counts as data.
  if (t.my_flow_paused) return unexpected(CommandError{"dataflow is paused (DPM sent)"});
  // octets below the DWP offset go out, the octet at it does not.
  if (t.pause_at && flow.offset + size > *t.pause_at) {
    return unexpected(CommandError{"data would pass the pause offset " + number(*t.pause_at)});
  }
  if (flow.offset + size > kMaxUni) return unexpected(CommandError{"offset limit reached"});
  return {};
}

void Connection::after_my_data(detail::Transaction& t) {
  const detail::Flow& flow = my_flow(t);
  // §11.15: stop right after the data up to the offset and send DPM at once.
  if (t.pause_at && !t.my_flow_paused && flow.offset >= *t.pause_at) {
    send(PausedMyData{{}, t.xid});
    t.my_flow_paused = true;
  }
}

CommandResult<> Connection::send_data(Xid xid, SharedBytes payload, DataOptions options) {
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  detail::Transaction& t = **found;
  if (auto ok = check_can_carry(t, payload.size()); !ok) return ok;
  const bool processor = config_.role == Role::processor;
  if (processor && (options.as_is || options.modp)) {
    return unexpected(CommandError{"As-is and Modp are sent only by the callout server"});
  }
  if (!processor && options.kept) {
    return unexpected(CommandError{"Kept is sent only by the processor"});
  }
  if (options.as_is && std::uint64_t{*options.as_is} + payload.size() > t.original.offset) {
    // §11.9: As-is may only point at original data we received.
    return unexpected(CommandError{"As-is points beyond received original data"});
  }
  detail::Flow& flow = my_flow(t);
  if (options.kept) {
    std::string why = t.preserved.check_kept(*options.kept, flow.offset,
                                             config_.limits.max_preserved_bytes);
    if (!why.empty()) return unexpected(CommandError{std::move(why)});
    t.preserved.announce(*options.kept);
  }
  DataUseMine message{};
  message.extensions = std::move(options.extensions);
  message.xid = xid;
  message.my_offset = static_cast<std::uint32_t>(flow.offset);
  message.as_is = options.as_is;
  message.kept = options.kept;
  message.modp = options.modp;
  message.payload = payload;
  send(std::move(message));
  if (processor) t.preserved.on_sent(flow.offset, payload);
  flow.offset += payload.size();
  after_my_data(t);
  return {};
}

CommandResult<> Connection::use_yours(Xid xid, std::uint32_t org_offset, std::uint32_t org_size,
                                     Extensions extensions) {
  if (config_.role != Role::callout_server) return unexpected(CommandError{"only the callout server sends DUY"});
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  detail::Transaction& t = **found;
  if (auto ok = check_can_carry(t, org_size); !ok) return ok;
  // only inside the last Kept and DPI, never after a broken Kept.
  if (!t.reuse.can_use(OctetRange::of(org_offset, org_size))) {
    return unexpected(CommandError{"DUY range is not preserved"});
  }
  send(DataUseYours{std::move(extensions), xid, org_offset, org_size});
  t.reuse.on_duy();
  t.adapted.offset += org_size;  // §11.9: a DUY contributes org-size octets
  after_my_data(t);
  return {};
}

bool Connection::can_use_yours(Xid xid, std::uint32_t org_offset, std::uint32_t org_size) const {
  const auto found = transactions_.find(xid.value);
  return found != transactions_.end() && found->second.reuse.can_use(OctetRange::of(org_offset, org_size));
}

CommandResult<> Connection::preservation_interest(Xid xid, std::uint32_t org_offset,
                                                  std::uint32_t org_size) {
  if (config_.role != Role::callout_server) return unexpected(CommandError{"only the callout server sends DPI"});
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  // §11.11: each DPI only shrinks the reusable range.
  if (!(**found).reuse.interest(OctetRange::of(org_offset, org_size))) {
    return unexpected(CommandError{"DPI would grow the reusable range"});
  }
  send(DataPreservationInterest{{}, xid, org_offset, org_size});
  return {};
}

CommandResult<> Connection::want_stop_receiving(Xid xid, std::uint32_t org_size) {
  if (config_.role != Role::callout_server) return unexpected(CommandError{"only the callout server sends DWSR"});
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  if (!is_open((**found).original)) return unexpected(CommandError{"original dataflow is not open"});
  send(WantStopReceivingData{{}, xid, org_size});
  (**found).dwsr = true;
  return {};
}

CommandResult<> Connection::want_stop_sending(Xid xid) {
  if (config_.role != Role::callout_server) return unexpected(CommandError{"only the callout server sends DWSS"});
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  if (!is_open((**found).adapted)) return unexpected(CommandError{"adapted dataflow is not open"});
  send(WantStopSendingData{{}, xid});
  (**found).dwss = true;
  return {};
}

CommandResult<> Connection::stop_sending(Xid xid) {
  if (config_.role != Role::processor) return unexpected(CommandError{"only the processor sends DSS"});
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  detail::Transaction& t = **found;
  // §11.14: DSS answers a DWSS for an adapted flow that is still open.
  if (!t.dwss) return unexpected(CommandError{"DSS needs the callout server's DWSS"});
  if (!is_open(t.adapted)) return unexpected(CommandError{"adapted dataflow is not open"});
  if (t.dss) return unexpected(CommandError{"DSS already sent"});
  send(StopSendingData{{}, xid});
  t.dss = true;
  t.dss_original_offset = t.original.offset;
  return {};
}

CommandResult<> Connection::want_paused(Xid xid, std::uint32_t offset) {
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  send(WantDataPaused{{}, xid, offset});
  return {};
}

CommandResult<> Connection::paused(Xid xid) {
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  if ((**found).my_flow_paused) return unexpected(CommandError{"dataflow is already paused"});
  send(PausedMyData{{}, xid});
  (**found).my_flow_paused = true;
  return {};
}

CommandResult<> Connection::want_more(Xid xid, std::optional<std::uint32_t> size_request) {
  auto found = command_transaction(xid);
  if (!found) return unexpected(found.error());
  send(WantMoreData{{}, xid, size_request});
  (**found).peer_flow_paused = false;  // §11.17 cancels the peer's DPM
  return {};
}

// ---- receiving -------------------------------------------------------------------

void Connection::on(const DataUseMine& m) {
  detail::Transaction* t = live(m.xid, "DUM");
  if (!t) return;
  detail::Flow& flow = peer_flow(*t);
  if (flow.state == detail::Flow::State::not_started) {
    fail_transaction(m.xid, "DUM before AMS");
    return;
  }
  if (flow.state == detail::Flow::State::ended) {
    fail_transaction(m.xid, "DUM after AME");
    return;
  }
  if (t->peer_flow_paused) {
    // §11.16: data after DPM and before our DWM may end the transaction.
    fail_transaction(m.xid, "data after DPM");
    return;
  }
  if (m.my_offset != flow.offset) {
    // §11.9: no gaps, no overlaps.
    fail_transaction(m.xid, "DUM offset " + number(m.my_offset) + " is not the expected " +
                                number(flow.offset));
    return;
  }
  if (flow.offset + m.payload.size() > kMaxUni) {
    fail_transaction(m.xid, "DUM passes the largest offset");
    return;
  }
  const bool processor = config_.role == Role::processor;
  std::optional<Kept> kept;
  std::optional<std::uint32_t> as_is;
  if (!processor && m.kept) {
    kept = m.kept;
    // §11.9, c.8: a Kept that breaks the rules poisons or invalidates.
    if (t->reuse.on_kept(*m.kept) == ReuseTracker::KeptVerdict::invalid) {
      fail_transaction(m.xid, "Kept breaks the preservation rules after DUY");
      return;
    }
  }
  if (processor && m.as_is &&
      std::uint64_t{*m.as_is} + m.payload.size() <= t->original.offset) {
    // §11.9: an As-is beyond the original data sent is ignored (the parameter only).
    as_is = m.as_is;
  }
  std::uint64_t offset = flow.offset;
  flow.offset += m.payload.size();
  Dataflow which = processor ? Dataflow::adapted : Dataflow::original;
  event(DataReceived{m.xid, which, static_cast<std::uint32_t>(offset), m.payload, as_is, kept,
                     processor ? m.modp : std::nullopt, m.extensions});
}

void Connection::on(const DataUseYours& m) {
  detail::Transaction* t = live(m.xid, "DUY");
  if (!t) return;
  if (t->adapted.state == detail::Flow::State::not_started) {
    fail_transaction(m.xid, "DUY before AMS");
    return;
  }
  if (t->adapted.state == detail::Flow::State::ended) {
    fail_transaction(m.xid, "DUY after AME");
    return;
  }
  if (t->peer_flow_paused) {
    fail_transaction(m.xid, "data after DPM");  // DUY is data
    return;
  }
  if (t->adapted.offset + m.org_size > kMaxUni) {
    fail_transaction(m.xid, "DUY passes the largest offset");
    return;
  }
  // §11.10, A-18: only octets we announced with Kept and still hold.
  auto bytes = t->preserved.resolve(OctetRange::of(m.org_offset, m.org_size));
  if (!bytes) {
    fail_transaction(m.xid, "DUY outside preserved data");
    return;
  }
  std::uint64_t offset = t->adapted.offset;
  t->adapted.offset += m.org_size;
  event(PreservedDataUsed{m.xid, m.org_offset, m.org_size, static_cast<std::uint32_t>(offset),
                          std::move(*bytes), m.extensions});
}

void Connection::on(const DataPreservationInterest& m) {
  detail::Transaction* t = live(m.xid, "DPI");
  if (!t) return;
  // §11.11: a DPI may only shrink the reusable range.
  if (!t->preserved.on_interest(OctetRange::of(m.org_offset, m.org_size))) {
    fail_transaction(m.xid, "DPI grows the reusable range");
    return;
  }
  event(PreservationInterest{m.xid, m.org_offset, m.org_size});
}

void Connection::on(const WantStopReceivingData& m) {
  detail::Transaction* t = live(m.xid, "DWSR");
  if (!t) return;
  t->dwsr = true;
  event(StopReceivingRequested{m.xid, m.org_size});
}

void Connection::on(const WantStopSendingData& m) {
  detail::Transaction* t = live(m.xid, "DWSS");
  if (!t) return;
  if (!is_open(t->adapted)) {
    ignore("DWSS", "adapted dataflow is not open");
    return;
  }
  t->dwss = true;
  event(StopSendingRequested{m.xid});
}

void Connection::on(const StopSendingData& m) {
  detail::Transaction* t = live(m.xid, "DSS");
  if (!t) return;
  if (t->adapted.state == detail::Flow::State::ended) {
    ignore("DSS", "adapted dataflow has ended");  // §11.14
    return;
  }
  if (!t->dwss || t->adapted.state != detail::Flow::State::open) {
    // §11.14: an unsolicited DSS is treated as invalid, never ignored.
    fail_transaction(m.xid, "unsolicited DSS");
    return;
  }
  // §11.14: a solicited DSS is answered immediately with AME 206.
  t->dss = true;
  send(ApplicationMessageEnd{{}, m.xid, std::nullopt, Result::partial("stopped by DSS")});
  t->adapted.state = detail::Flow::State::ended;
  event(StopSendingOrdered{m.xid});
}

void Connection::on(const WantDataPaused& m) {
  detail::Transaction* t = live(m.xid, "DWP");
  if (!t) return;
  if (my_flow(*t).state == detail::Flow::State::ended) {
    ignore("DWP", "dataflow has ended");
    return;
  }
  t->pause_at = m.your_offset;
  bool was_paused = t->my_flow_paused;
  after_my_data(*t);  // §11.15: already at or past the offset: stop and DPM now
  event(PauseRequested{m.xid, m.your_offset, !was_paused && t->my_flow_paused});
}

void Connection::on(const PausedMyData& m) {
  detail::Transaction* t = live(m.xid, "DPM");
  if (!t) return;
  t->peer_flow_paused = true;
  event(PeerPaused{m.xid});
}

void Connection::on(const WantMoreData& m) {
  detail::Transaction* t = live(m.xid, "DWM");
  if (!t) return;
  // §11.17: cancels our DPM and any pending pause offset.
  t->my_flow_paused = false;
  t->pause_at.reset();
  event(MoreDataRequested{m.xid, m.size_request});
}

}  // namespace ocp::engine
