#include "opes/loadgen/processor_session.hpp"

#include <algorithm>
#include <utility>

#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/duy_parameters.hpp"
#include "ocp/smtp/processor_negotiation.hpp"
#include "ocp/smtp/profile_id.hpp"
#include "ocp/smtp/supported_params.hpp"

namespace opes::loadgen {

namespace {

namespace engine = ocp::engine;
using ocp::smtp::AmPart;

constexpr std::size_t kInformative = static_cast<std::size_t>(-1);

engine::Config engine_config(const SessionSettings& settings) {
  engine::Config config;
  config.role = engine::Role::processor;
  config.limits.max_transactions =
      std::max<std::size_t>(config.limits.max_transactions, settings.max_open_transactions);
  config.limits.max_output_bytes =
      std::max(config.limits.max_output_bytes, settings.max_output_bytes);
  return config;
}

/// The parts of one transaction in SMTP order (smtp §3.2.1, RFC 5321 §4.1.4).
std::vector<std::pair<AmPart, const std::string*>> parts_of(const TransactionInput& input) {
  std::vector<std::pair<AmPart, const std::string*>> parts;
  parts.emplace_back(AmPart::mail, &input.mail);
  for (const std::string& recipient : input.recipients)
    parts.emplace_back(AmPart::rcpt, &recipient);
  parts.emplace_back(AmPart::rawdata, &input.rawdata);
  return parts;
}

/// AM-Part, and Allow on adaptive parts: everything the callout server may
/// answer with (smtp §3.3.2); informative parts get no answer, so no Allow.
ocp::Extensions part_parameters(const AmPart& part, bool adaptive) {
  ocp::smtp::DumParameters parameters;
  parameters.am_part = part;
  if (adaptive) parameters.allow = ocp::smtp::SupportedParams{true, true, true, {}};
  ocp::DataUseMine carrier{};
  ocp::smtp::write_dum_parameters(parameters, carrier);
  return std::move(carrier.extensions);
}

std::string describe(const ocp::Result& result) {
  return std::to_string(result.code) + (result.reason ? " " + *result.reason : std::string());
}

}  // namespace

ProcessorSession::ProcessorSession(SessionSettings settings, TimePoint now)
    : settings_(std::move(settings)), engine_(engine_config(settings_), now) {
  ocp::smtp::SmtpProfile offer;
  offer.direction = ocp::smtp::Direction::receiver;
  offer.adaptive_parts = settings_.offered_parts;
  offered_.push_back(ocp::smtp::write_smtp_profile(offer));
  // §6.1: a processor's first messages are CS and its bootstrap NO.
  if (auto started = engine_.start(); !started)
    fail_connection("CS refused: " + started.error().reason);
  if (auto offered = engine_.offer(offered_); !offered)
    fail_connection("NO refused: " + offered.error().reason);
}

void ProcessorSession::receive(std::string_view bytes, TimePoint now) {
  engine_.receive(bytes, now);
  process_events(now);
}

void ProcessorSession::receive_eof(TimePoint now) {
  engine_.receive_eof();
  process_events(now);
}

void ProcessorSession::on_timer(TimePoint now) {
  engine_.on_timer(now);
  process_events(now);
}

std::optional<std::string> ProcessorSession::start(const TransactionInput& input,
                                                   std::size_t connection, std::size_t sequence,
                                                   TimePoint now) {
  if (!ready()) return failure_.empty() ? "the connection is not negotiated yet" : failure_;
  auto xid = engine_.start_transaction(*group_);
  if (!xid) return "TS refused: " + xid.error().reason;
  OpenTransaction& open = open_[xid->value];
  open.outcome.connection = connection;
  open.outcome.sequence = sequence;
  open.outcome.xid = *xid;
  open.started = now;

  auto fail = [&](std::string reason) -> std::optional<std::string> {
    (void)engine_.end_transaction(*xid, ocp::Result::failure(reason));
    finish(xid->value, ocp::Result::failure(reason), false, now);
    return reason;
  };
  if (auto ams = engine_.start_application_message(*xid); !ams)
    return fail("AMS refused: " + ams.error().reason);

  const auto parts = parts_of(input);
  std::uint64_t total = 0;
  for (const auto& [part, data] : parts) {
    if (profile_->lists(part)) total += data->size();
  }
  // One Kept for the whole original flow, on the first DUM: it only ever
  // grows the promise, which §7 allows, and covers every later DUM.
  bool kept_pending = settings_.kept && total <= engine::EngineLimits{}.max_preserved_bytes;

  std::uint64_t offset = 0;
  for (const auto& [part, data] : parts) {
    const bool adaptive = profile_->is_adaptive(part);
    if (!adaptive && !profile_->is_informative(part)) continue;  // not negotiated: not sent
    std::size_t index = kInformative;
    if (adaptive) {
      index = open.outcome.parts.size();
      open.outcome.parts.push_back(PartOutcome{.part = part, .original = *data});
    }
    open.spans.push_back({offset, offset + data->size(), index});
    const ocp::Extensions parameters = part_parameters(part, adaptive);
    const std::size_t step = part.can_span_dums()
                                 ? std::max<std::size_t>(settings_.max_dum_payload, 1)
                                 : std::max<std::size_t>(data->size(), 1);
    std::size_t from = 0;
    do {
      const std::size_t size = std::min(step, data->size() - from);
      engine::DataOptions options;
      options.extensions = parameters;
      if (kept_pending) {
        options.kept = ocp::Kept{0, static_cast<std::uint32_t>(total)};
        kept_pending = false;
      }
      auto sent = engine_.send_data(
          *xid, ocp::SharedBytes::copy_of(std::string_view(*data).substr(from, size)),
          std::move(options));
      if (!sent) return fail("DUM refused: " + sent.error().reason);
      from += size;
    } while (from < data->size());
    offset += data->size();
  }
  if (auto ame = engine_.end_application_message(*xid); !ame)
    return fail("AME refused: " + ame.error().reason);
  return std::nullopt;
}

void ProcessorSession::close(const std::string& reason, TimePoint now) {
  const ocp::Result result = reason.empty() ? ocp::Result::ok() : ocp::Result::failure(reason);
  while (!open_.empty()) finish(open_.begin()->first, result, false, now);
  if (!engine_.closed()) (void)engine_.close(result);
  if (failure_.empty() && !reason.empty()) failure_ = reason;
}

std::vector<TransactionOutcome> ProcessorSession::take_finished() {
  return std::exchange(finished_, {});
}

void ProcessorSession::process_events(TimePoint now) {
  while (auto event = engine_.next_event()) {
    if (auto* negotiated = std::get_if<engine::NegotiationCompleted>(&*event)) {
      on_negotiated(*negotiated);
    } else if (auto* refused = std::get_if<engine::NegotiationFailed>(&*event)) {
      fail_connection("the callout server refused the SMTP receiver profile: " + refused->reason);
    } else if (auto* data = std::get_if<engine::DataReceived>(&*event)) {
      on_data(*data);
    } else if (auto* preserved = std::get_if<engine::PreservedDataUsed>(&*event)) {
      on_preserved_data(*preserved);
    } else if (auto* adapted_end = std::get_if<engine::ApplicationMessageEnded>(&*event)) {
      if (auto found = open_.find(adapted_end->xid.value); found != open_.end()) {
        found->second.outcome.adapted_end = adapted_end->result;
      }
    } else if (auto* ended = std::get_if<engine::TransactionEnded>(&*event)) {
      on_ended(*ended, now);
    } else if (auto* closed = std::get_if<engine::ConnectionClosed>(&*event)) {
      on_connection_closed(*closed, now);
    }
  }
}

void ProcessorSession::on_negotiated(const engine::NegotiationCompleted& event) {
  if (event.offered_by != engine::Side::local)
    return;  // a server's own offer: not expected, ignored
  auto checked = ocp::smtp::check_response(offered_, event.feature);
  if (!checked) {
    // smtp §3.2.3-§3.2.5: the processor MUST close the connection.
    const std::string reason = checked.error().describe();
    fail_connection(reason);
    (void)engine_.close(ocp::Result::failure(reason));
    return;
  }
  profile_ = std::move(*checked);
  std::vector<ocp::Service> services;
  for (const std::string& uri : settings_.services) services.push_back(ocp::Service{uri, {}});
  auto group = engine_.create_service_group(std::move(services));
  if (!group) {
    profile_.reset();
    fail_connection("SGC refused: " + group.error().reason);
    (void)engine_.close(ocp::Result::failure(failure_));
    return;
  }
  group_ = *group;
}

PartOutcome* ProcessorSession::answer_slot(OpenTransaction& open, const AmPart& part,
                                           std::optional<std::uint32_t> as_is) {
  if (as_is) {
    // §11.9: As-is names the original octets, which name the part instance.
    for (const auto& span : open.spans) {
      if (*as_is >= span.begin && *as_is < span.end && span.part != kInformative &&
          open.outcome.parts[span.part].part == part) {
        return &open.outcome.parts[span.part];
      }
    }
  }
  std::vector<PartOutcome*> candidates;
  for (PartOutcome& outcome : open.outcome.parts) {
    if (outcome.part == part) candidates.push_back(&outcome);
  }
  if (candidates.empty()) return nullptr;
  // smtp §3.3.1: a part that cannot span DUMs is answered by one DUM per
  // instance, so the n-th answer belongs to the n-th instance (RCPT).
  if (part.can_span_dums()) return candidates.front();
  std::size_t& seen = open.answers_seen[std::string(part.token())];
  return seen < candidates.size() ? candidates[seen++] : nullptr;
}

void ProcessorSession::on_data(const engine::DataReceived& event) {
  auto found = open_.find(event.xid.value);
  if (found == open_.end() || event.flow != engine::Dataflow::adapted) return;
  OpenTransaction& open = found->second;
  auto parameters = ocp::smtp::read_dum_parameters(engine::as_dum(event));
  if (!parameters) {
    open.outcome.problems.push_back(parameters.error().describe());
    return;
  }
  if (!parameters->am_part) {
    open.outcome.problems.push_back("DUM at adapted offset " + std::to_string(event.offset) +
                                    " without AM-Part");
    return;
  }
  PartOutcome* slot = answer_slot(open, *parameters->am_part, event.as_is);
  if (!slot) {
    open.outcome.problems.push_back("DUM answers " + std::string(parameters->am_part->token()) +
                                    ", which was not sent as an adaptive part");
    return;
  }
  slot->answered = true;
  slot->content.append(event.payload.view());
  (event.as_is ? slot->octets_as_is : slot->octets_replaced) += event.payload.size();
  if (parameters->smtp_error) slot->reply = parameters->smtp_error;
  if (parameters->advice) slot->advice = parameters->advice;
  slot->added_headers.insert(slot->added_headers.end(), parameters->add_header.begin(),
                             parameters->add_header.end());
}

void ProcessorSession::on_preserved_data(const engine::PreservedDataUsed& event) {
  auto found = open_.find(event.xid.value);
  if (found == open_.end()) return;
  OpenTransaction& open = found->second;
  auto parameters = ocp::smtp::read_duy_parameters(
      ocp::DataUseYours{event.extensions, event.xid, event.org_offset, event.org_size});
  if (!parameters) {
    open.outcome.problems.push_back(parameters.error().describe());
    return;
  }
  // The DUY's octets go to the part instances whose original octets they
  // are; its Add-Header and Advice to the first of them (smtp §3.3 Figure 7
  // gives DUY no AM-Part: the referenced data names the part).
  const std::uint64_t begin = event.org_offset;
  const std::uint64_t end = begin + event.org_size;
  PartOutcome* first = nullptr;
  for (const auto& span : open.spans) {
    const std::uint64_t from = std::max(begin, span.begin);
    const std::uint64_t to = std::min(end, span.end);
    if (from >= to) continue;
    if (span.part == kInformative) {
      open.outcome.problems.push_back("DUY " + std::to_string(begin) + " " +
                                      std::to_string(event.org_size) +
                                      " reuses an informative part");
      continue;
    }
    PartOutcome& slot = open.outcome.parts[span.part];
    slot.answered = true;
    slot.content.append(event.bytes.view().substr(from - begin, to - from));
    slot.octets_by_reference += to - from;
    if (!first) first = &slot;
  }
  if (!first) {
    if (event.org_size == 0) return;  // reuses nothing: harmless
    open.outcome.problems.push_back("DUY " + std::to_string(begin) + " " +
                                    std::to_string(event.org_size) +
                                    " reuses no part that was sent");
    return;
  }
  if (parameters->advice) first->advice = parameters->advice;
  first->added_headers.insert(first->added_headers.end(), parameters->add_header.begin(),
                              parameters->add_header.end());
}

void ProcessorSession::on_ended(const engine::TransactionEnded& event, TimePoint now) {
  finish(event.xid.value, event.result, event.ended_by == engine::Side::peer, now);
}

void ProcessorSession::on_connection_closed(const engine::ConnectionClosed& event, TimePoint now) {
  const std::string reason =
      std::string(event.closed_by == engine::Side::peer ? "the callout server" : "we") +
      " closed the connection: CE " + describe(event.result);
  if (failure_.empty() && !(event.result.code == ocp::Result::kOk && open_.empty()))
    failure_ = reason;
  while (!open_.empty()) finish(open_.begin()->first, ocp::Result::failure(reason), false, now);
}

void ProcessorSession::fail_connection(std::string reason) {
  if (failure_.empty()) failure_ = std::move(reason);
}

void ProcessorSession::finish(std::uint32_t xid, ocp::Result result, bool by_server,
                              TimePoint now) {
  auto found = open_.find(xid);
  if (found == open_.end()) return;
  TransactionOutcome outcome = std::move(found->second.outcome);
  outcome.end = std::move(result);
  outcome.ended_by_server = by_server;
  outcome.latency = now - found->second.started;
  open_.erase(found);
  finished_.push_back(std::move(outcome));
}

}  // namespace opes::loadgen
