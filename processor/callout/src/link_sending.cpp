// The original dataflow: TS, AMS, the parts as the SMTP client sends them,
// AME, TE (RFC 4037 §11.5-§11.9; smtp §3.2.1, §3.3.1, §3.3.2, §3.4.3).

#include <algorithm>
#include <utility>

#include "ocp/smtp/dum_parameters.hpp"
#include "opes/processor/callout_link.hpp"

namespace opes::processor {

namespace {

using ocp::smtp::AmPart;

/// A-22 gives AM-OPT its type; these bounds are ours, well inside what any
/// OCP parser takes in one message.
constexpr std::size_t kMaxAmOptions = 32;
constexpr std::size_t kMaxAmOptionAtom = 1024;

LinkError error(LinkErrorCode code, std::string reason) {
  return LinkError{code, std::move(reason)};
}

/// Parts whose SMTP command waits for its reply while the callout server
/// works: answered at once. Content is answered after our AME.
bool is_command(const AmPart& part) {
  switch (part.kind()) {
    case AmPart::rawdata:
    case AmPart::allheaders:
    case AmPart::singleheaders:
    case AmPart::body:
    case AmPart::sections:
      return false;
    default:
      return true;
  }
}

std::string check_meta(const std::vector<ocp::smtp::AmOption>& meta) {
  if (meta.size() > kMaxAmOptions)
    return "more than " + std::to_string(kMaxAmOptions) + " AM-OPT items";
  for (const auto& option : meta) {
    // `{key value}` with a non-empty key.
    if (option.key.empty()) return "AM-OPT item with an empty key";
    if (option.key.size() > kMaxAmOptionAtom || option.value.size() > kMaxAmOptionAtom) {
      return "AM-OPT item '" + option.key.substr(0, 64) + "' is longer than " +
             std::to_string(kMaxAmOptionAtom) + " octets";
    }
  }
  return {};
}

/// AM-Part on every DUM (smtp §3.3.1), Allow on the DUMs of adaptive parts
/// (§3.3.2: it applies to the answers for the same part), AM-OPT on the
/// transaction's first DUM (§3.4.3).
ocp::Extensions part_parameters(const AmPart& part, bool adaptive,
                                const ocp::smtp::SupportedParams& allow,
                                const std::vector<ocp::smtp::AmOption>* meta) {
  ocp::smtp::DumParameters parameters;
  parameters.am_part = part;
  if (adaptive) parameters.allow = allow;
  if (meta && !meta->empty()) parameters.am_opt = *meta;
  ocp::DataUseMine carrier{};
  ocp::smtp::write_dum_parameters(parameters, carrier);
  return std::move(carrier.extensions);
}

}  // namespace

LinkResult<detail::LinkTransaction*> CalloutLink::open_transaction(TransactionId id) {
  auto found = open_.find(id.value);
  if (found != open_.end()) return &found->second;
  if (id.value != 0 && id.value <= highest_xid_) {
    return ocp::unexpected(error(LinkErrorCode::transaction_ended,
                                 "transaction " + std::to_string(id.value) + " has ended"));
  }
  return ocp::unexpected(error(LinkErrorCode::unknown_transaction,
                               "transaction " + std::to_string(id.value) + " was never begun"));
}

LinkResult<TransactionId> CalloutLink::begin(std::size_t group,
                                             std::vector<ocp::smtp::AmOption> meta, TimePoint now) {
  advance(now);
  if (failed()) return ocp::unexpected(error(LinkErrorCode::link_failed, failure_));
  if (closing_) return ocp::unexpected(error(LinkErrorCode::closing, "the link is closing"));
  if (!ready_) return ocp::unexpected(error(LinkErrorCode::not_ready, "not negotiated yet"));
  if (group >= groups_.size()) {
    return ocp::unexpected(
        error(LinkErrorCode::unknown_group, "no service group " + std::to_string(group)));
  }
  if (open_.size() >= settings_.max_open_transactions) {
    return ocp::unexpected(error(LinkErrorCode::too_many_transactions,
                                 std::to_string(open_.size()) + " transactions are open"));
  }
  if (std::string problem = check_meta(meta); !problem.empty()) {
    return ocp::unexpected(error(LinkErrorCode::invalid_meta, std::move(problem)));
  }
  auto xid = engine_.start_transaction(groups_[group]);
  if (!xid)
    return ocp::unexpected(error(LinkErrorCode::refused_by_engine, "TS: " + xid.error().reason));
  highest_xid_ = std::max(highest_xid_, xid->value);
  if (auto ams = engine_.start_application_message(*xid); !ams) {
    (void)engine_.end_transaction(*xid, ocp::Result::failure("AMS refused"));
    return ocp::unexpected(error(LinkErrorCode::refused_by_engine, "AMS: " + ams.error().reason));
  }
  open_.try_emplace(xid->value, *xid, *profile_, std::move(meta));
  return TransactionId{xid->value};
}

LinkResult<std::size_t> CalloutLink::group_for(const std::vector<std::string>& uris,
                                               TimePoint now) {
  advance(now);
  if (failed()) return ocp::unexpected(error(LinkErrorCode::link_failed, failure_));
  if (closing_) return ocp::unexpected(error(LinkErrorCode::closing, "the link is closing"));
  if (!ready_) return ocp::unexpected(error(LinkErrorCode::not_ready, "not negotiated yet"));
  for (std::size_t i = 0; i < settings_.service_groups.size(); ++i)
    if (settings_.service_groups[i] == uris) return i;
  if (uris.empty())
    return ocp::unexpected(error(LinkErrorCode::unknown_group, "a service group needs a service"));
  std::vector<ocp::Service> services;
  services.reserve(uris.size());
  for (const std::string& uri : uris) services.push_back(ocp::Service{uri, {}});
  auto group = engine_.create_service_group(std::move(services));
  if (!group)
    return ocp::unexpected(error(LinkErrorCode::refused_by_engine, "SGC: " + group.error().reason));
  groups_.push_back(*group);
  settings_.service_groups.push_back(uris);
  return groups_.size() - 1;
}

LinkResult<PartDisposition> CalloutLink::send(TransactionId id, const AmPart& part,
                                              std::string_view bytes, bool starts_instance,
                                              TimePoint now) {
  advance(now);
  auto found = open_transaction(id);
  if (!found) return ocp::unexpected(found.error());
  detail::LinkTransaction& t = **found;
  if (t.end_requested) {
    return ocp::unexpected(error(LinkErrorCode::original_ended, "end_original() was called"));
  }
  const bool adaptive = profile_->is_adaptive(part);
  if (!adaptive && !profile_->is_informative(part)) return PartDisposition::not_negotiated;

  const bool spans = part.can_span_dums();
  if (!spans && bytes.size() > settings_.max_dum_payload) {
    // smtp §3.3.1: this part must fit in one DUM.
    return ocp::unexpected(error(LinkErrorCode::part_too_large,
                                 std::string(part.token()) + " of " + std::to_string(bytes.size()) +
                                     " octets does not fit in one DUM of at most " +
                                     std::to_string(settings_.max_dum_payload)));
  }
  if (output_size() + bytes.size() > settings_.max_output_bytes) {
    return ocp::unexpected(
        error(LinkErrorCode::output_full,
              "output would pass " + std::to_string(settings_.max_output_bytes) + " octets"));
  }
  if (auto accepted = t.original.accept(part, !starts_instance); !accepted) {
    return ocp::unexpected(error(LinkErrorCode::part_out_of_order, accepted.error().describe()));
  }

  // Coalesce the pieces of one instance into DUMs of max_dum_payload octets:
  // the proxy hands over what the SMTP client sent, often a line or a
  // network read at a time.
  std::string_view rest = bytes;
  if (starts_instance || !spans) {
    if (!t.outbox.empty()) t.outbox.back().sealed = true;
    t.outbox.push_back(detail::OutgoingPiece{part, adaptive, !spans, {}});
  } else if (t.outbox.empty() || t.outbox.back().sealed) {
    if (rest.empty()) return adaptive ? PartDisposition::adaptive : PartDisposition::informative;
    t.outbox.push_back(detail::OutgoingPiece{part, adaptive, false, {}});
  }
  while (true) {
    detail::OutgoingPiece& piece = t.outbox.back();
    const std::size_t room = spans ? settings_.max_dum_payload - piece.bytes.size() : rest.size();
    const std::size_t take = std::min(room, rest.size());
    piece.bytes.append(rest.substr(0, take));
    queued_bytes_ += take;
    rest.remove_prefix(take);
    if (spans && piece.bytes.size() >= settings_.max_dum_payload) piece.sealed = true;
    if (rest.empty()) break;
    t.outbox.push_back(detail::OutgoingPiece{part, adaptive, false, {}});
  }
  if (adaptive && (starts_instance || !spans)) {
    t.awaited.push_back(detail::AwaitedAnswer{part, now, is_command(part)});
  }
  flush(t);
  return adaptive ? PartDisposition::adaptive : PartDisposition::informative;
}

LinkResult<> CalloutLink::end_original(TransactionId id, TimePoint now) {
  advance(now);
  auto found = open_transaction(id);
  if (!found) return ocp::unexpected(found.error());
  detail::LinkTransaction& t = **found;
  if (t.end_requested) {
    return ocp::unexpected(error(LinkErrorCode::original_ended, "end_original() was called"));
  }
  t.end_requested = true;
  // The content timeout runs from here even while a pause holds the AME back.
  t.original_ended = now;
  if (!t.outbox.empty()) t.outbox.back().sealed = true;
  flush(t);
  return {};
}

LinkResult<> CalloutLink::finish(TransactionId id, TimePoint now) {
  advance(now);
  auto found = open_transaction(id);
  if (!found) {
    if (found.error().code == LinkErrorCode::transaction_ended) return {};
    return ocp::unexpected(found.error());
  }
  drop_outbox(**found);
  // RFC 4037 §11.6: `TE xid;` is TE 200.
  auto ended = engine_.end_transaction((**found).xid);
  open_.erase(id.value);
  close_if_drained();
  if (!ended)
    return ocp::unexpected(error(LinkErrorCode::refused_by_engine, "TE: " + ended.error().reason));
  return {};
}

LinkResult<> CalloutLink::abort(TransactionId id, std::string reason, TimePoint now) {
  advance(now);
  auto found = open_transaction(id);
  if (!found) return ocp::unexpected(found.error());
  drop_outbox(**found);
  if (reason.empty()) reason = "aborted by the processor";
  auto ended = engine_.end_transaction((**found).xid, ocp::Result::failure(std::move(reason)));
  open_.erase(id.value);
  close_if_drained();
  if (!ended)
    return ocp::unexpected(error(LinkErrorCode::refused_by_engine, "TE: " + ended.error().reason));
  return {};
}

// ---- handing queued octets to the engine -----------------------------------------

void CalloutLink::flush(detail::LinkTransaction& t) {
  while (!t.outbox.empty() && t.outbox.front().sealed) {
    detail::OutgoingPiece& piece = t.outbox.front();
    std::size_t size = piece.bytes.size();
    // RFC 4037 §11.15, A-14: octets below the pause offset go out, the
    // octet at it does not; the rest waits for DWM.
    if (auto window = engine_.send_window(t.xid); window && *window < size) {
      if (*window == 0) return;
      if (!piece.part.can_span_dums()) {
        // A part that cannot be split stops here: tell the server (§11.16).
        (void)engine_.paused(t.xid);
        return;
      }
      size = static_cast<std::size_t>(*window);
    }
    ocp::engine::DataOptions options;
    const bool first = !t.meta_sent;
    options.extensions =
        part_parameters(piece.part, piece.adaptive, settings_.allow, first ? &t.meta : nullptr);
    const bool whole = size == piece.bytes.size();
    ocp::SharedBytes payload =
        whole ? ocp::SharedBytes::adopt(std::move(piece.bytes))
              : ocp::SharedBytes::copy_of(std::string_view(piece.bytes).substr(0, size));
    auto sent = engine_.send_data(t.xid, std::move(payload), std::move(options));
    if (!sent) {
      if (!whole) return;  // nothing written; kept for later
      // The octets were moved out: the transaction cannot go on.
      queued_bytes_ -= size;
      t.outbox.pop_front();
      end_transaction(open_.find(t.xid.value), "DUM refused: " + sent.error().reason);
      return;
    }
    t.meta_sent = true;
    queued_bytes_ -= size;
    if (whole) {
      t.outbox.pop_front();
    } else {
      piece.bytes.erase(0, size);
    }
  }
  if (t.outbox.empty() && t.end_requested && !t.end_sent) {
    if (auto ame = engine_.end_application_message(t.xid); !ame) {
      end_transaction(open_.find(t.xid.value), "AME refused: " + ame.error().reason);
      return;
    }
    t.end_sent = true;
  }
}

void CalloutLink::flush_all() {
  for (auto it = open_.begin(); it != open_.end();) {
    auto next = std::next(it);  // flush() may end the transaction
    if (!it->second.outbox.empty() || (it->second.end_requested && !it->second.end_sent)) {
      flush(it->second);
    }
    it = next;
  }
}

void CalloutLink::drop_outbox(detail::LinkTransaction& t) {
  for (const auto& piece : t.outbox) queued_bytes_ -= piece.bytes.size();
  t.outbox.clear();
}

}  // namespace opes::processor
