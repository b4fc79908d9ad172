// The link itself: settings checked, negotiation (RFC 4037 §6, smtp §3.2),
// service groups (§11.3), the engine's events, timeouts (§2.7), health
// probes (§11.22) and the end of the connection (§11.2).

#include "opes/processor/callout_link.hpp"

#include <algorithm>
#include <utility>

#include "ocp/smtp/processor_negotiation.hpp"
#include "ocp/smtp/profile_id.hpp"
#include "opes/processor/detail/durations.hpp"

namespace opes::processor {

namespace {

namespace engine = ocp::engine;
using ocp::smtp::AmPart;

/// Room in the engine's output for the messages that must go out whatever
/// the data backlog: TE, AME, CE, PQ.
constexpr std::size_t kControlHeadroom = 1u << 20;
/// The head of a DUM carrying max_answer_payload octets.
constexpr std::size_t kMessageHeadroom = 64u << 10;

engine::Config engine_config(const LinkSettings& settings) {
  engine::Config config;
  config.role = engine::Role::processor;
  config.limits.max_transactions = std::max<std::size_t>(settings.max_open_transactions, 1);
  config.limits.max_output_bytes =
      settings.max_output_bytes + settings.max_dum_payload + kControlHeadroom;
  config.timeouts.negotiation = settings.timeouts.negotiation;
  config.timeouts.transaction_idle = settings.timeouts.idle_transaction;
  config.timeouts.connection_idle = settings.timeouts.idle_connection;
  config.parse.limits.max_payload_size = settings.max_answer_payload;
  config.parse.limits.max_message_size = settings.max_answer_payload + kMessageHeadroom;
  // only the SMTP profiles are application profiles here.
  config.is_profile = [](const ocp::Feature& feature) {
    return ocp::smtp::direction_of(feature.uri).has_value();
  };
  return config;
}

/// Settings that could never give a working link; empty when they can.
std::string check_settings(const LinkSettings& settings) {
  if (settings.service_groups.empty()) return "settings: no service group";
  for (std::size_t i = 0; i < settings.service_groups.size(); ++i) {
    if (settings.service_groups[i].empty()) {
      return "settings: service group " + std::to_string(i) + " has no service";
    }
  }
  if (settings.adaptive_parts.empty() && settings.informative_parts.empty()) {
    return "settings: no part offered";
  }
  for (const AmPart& part : settings.adaptive_parts) {
    // smtp §3.1: never adaptive.
    if (part.is_forbidden() || part.is_informative_only()) {
      return "settings: " + std::string(part.token()) + " cannot be offered as adaptive";
    }
  }
  for (const AmPart& part : settings.informative_parts) {
    if (part.is_forbidden()) {
      return "settings: " + std::string(part.token()) + " is not a part (smtp §3.1)";
    }
  }
  if (settings.max_dum_payload == 0) return "settings: max_dum_payload is 0";
  return {};
}

std::string describe(const ocp::Result& result) {
  return std::to_string(result.code) + (result.reason ? " " + *result.reason : std::string());
}

}  // namespace

CalloutLink::CalloutLink(LinkSettings settings, TimePoint now)
    : settings_(std::move(settings)), engine_(engine_config(settings_), now) {
  if (std::string problem = check_settings(settings_); !problem.empty()) {
    failure_ = std::move(problem);
    emit(LinkFailed{failure_});
    return;
  }
  ocp::smtp::SmtpProfile offer;
  offer.direction = settings_.direction;
  offer.adaptive_parts = settings_.adaptive_parts;
  offer.informative_parts = settings_.informative_parts;
  offered_.push_back(ocp::smtp::write_smtp_profile(offer));
  // RFC 4037 §6.1: a processor's first messages are CS and its bootstrap NO.
  if (auto started = engine_.start(); !started) {
    fail_link("CS refused: " + started.error().reason);
    return;
  }
  if (auto offered = engine_.offer(offered_); !offered) {
    fail_link("NO refused: " + offered.error().reason);
  }
}

// ---- transport ---------------------------------------------------------------

void CalloutLink::receive(std::string_view bytes, TimePoint now) {
  if (failed()) return;  // CE sent (or never started): nothing more to read
  engine_.receive(bytes, now);
  process_engine_events(now);
  run_timeouts(now);
}

void CalloutLink::receive_eof(TimePoint now) {
  if (failed()) return;
  engine_.receive_eof();
  process_engine_events(now);
}

void CalloutLink::on_timer(TimePoint now) {
  advance(now);
}

void CalloutLink::advance(TimePoint now) {
  engine_.on_timer(now);
  process_engine_events(now);
  run_timeouts(now);
}

void CalloutLink::consume_output(std::size_t n) {
  engine_.consume_output(n);
}

std::optional<TimePoint> CalloutLink::next_deadline() const {
  std::optional<TimePoint> earliest = engine_.next_deadline();
  auto consider = [&](std::optional<TimePoint> t) {
    if (t && (!earliest || *t < *earliest)) earliest = t;
  };
  if (!probes_.empty() && settings_.timeouts.probe_answer > Duration::zero()) {
    consider(probes_.front() + settings_.timeouts.probe_answer);
  }
  for (const auto& [xid, t] : open_) consider(answer_deadline(t));
  return earliest;
}

std::optional<LinkEvent> CalloutLink::next_event() {
  if (events_.empty()) return std::nullopt;
  LinkEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

// ---- engine events -------------------------------------------------------------

void CalloutLink::process_engine_events(TimePoint now) {
  while (auto event = engine_.next_event()) {
    if (auto* negotiated = std::get_if<engine::NegotiationCompleted>(&*event)) {
      on_negotiated(*negotiated);
    } else if (auto* refused = std::get_if<engine::NegotiationFailed>(&*event)) {
      if (refused->offered_by != engine::Side::local) continue;
      std::string reason = "the callout server refused the SMTP " +
                           std::string(ocp::smtp::to_string(settings_.direction)) + " profile";
      if (!refused->rejects.empty()) reason += " (listed in Rejects)";
      if (!refused->unknowns.empty()) reason += " (listed in Unknowns)";
      fail_link(std::move(reason));
    } else if (auto* data = std::get_if<engine::DataReceived>(&*event)) {
      on_answer(*data);
    } else if (auto* reused = std::get_if<engine::PreservedDataUsed>(&*event)) {
      on_reused_data(*reused);
    } else if (auto* ended = std::get_if<engine::ApplicationMessageEnded>(&*event)) {
      on_adapted_end(*ended);
    } else if (auto* te = std::get_if<engine::TransactionEnded>(&*event)) {
      on_transaction_ended(*te);
    } else if (auto* progress = std::get_if<engine::ProgressAnswered>(&*event)) {
      on_progress(*progress, now);
    } else if (auto* closed = std::get_if<engine::ConnectionClosed>(&*event)) {
      on_connection_closed(*closed);
    }
    // Others need nothing: a pause (§11.15) is honoured by flush() through
    // send_window(); DWSR and DWSS (§11.12, §11.13) are requests we may
    // decline by completing the original dataflow normally.
  }
  flush_all();
  close_if_drained();
}

void CalloutLink::on_negotiated(const engine::NegotiationCompleted& event) {
  if (event.offered_by != engine::Side::local) return;  // the engine rejects a server's NO
  auto checked = ocp::smtp::check_response(offered_, event.feature);
  if (!checked) {
    // smtp §3.2.3-§3.2.5: the processor MUST close the connection.
    fail_link(checked.error().describe());
    return;
  }
  profile_ = std::move(*checked);
  for (const auto& uris : settings_.service_groups) {
    std::vector<ocp::Service> services;
    services.reserve(uris.size());
    for (const std::string& uri : uris) services.push_back(ocp::Service{uri, {}});
    auto group = engine_.create_service_group(std::move(services));
    if (!group) {
      fail_link("SGC refused: " + group.error().reason);
      return;
    }
    groups_.push_back(*group);
  }
  ready_ = true;
  emit(LinkReady{});
}

void CalloutLink::on_connection_closed(const engine::ConnectionClosed& event) {
  if (event.closed_by == engine::Side::peer) {
    // RFC 4037 §11.2: CE is how an agent announces the end; with 200 it is
    // an orderly end (opes-callout after a reload), not a failure.
    fail_link("the callout server ended the connection: " + describe(event.result),
              event.result.code == ocp::Result::kOk);
  } else {
    // The engine's own CE: a syntax error, a negotiation timeout, ...
    fail_link("the link ended the connection: " + describe(event.result));
  }
}

void CalloutLink::on_progress(const engine::ProgressAnswered& event, TimePoint now) {
  // PAs answer PQs in order; only probe() sends PQs.
  if (event.queried || probes_.empty()) return;
  const TimePoint sent = probes_.front();
  probes_.pop_front();
  emit(ProbeAnswered{now - sent});
}

// ---- timeouts ------------------------------------------------------------------

void CalloutLink::run_timeouts(TimePoint now) {
  if (failed()) return;
  const Duration probe_limit = settings_.timeouts.probe_answer;
  if (!probes_.empty() && probe_limit > Duration::zero() && now >= probes_.front() + probe_limit) {
    fail_link("no answer to the health probe within " + detail::describe_duration(probe_limit));
    return;
  }
  for (auto it = open_.begin(); it != open_.end();) {
    auto next = std::next(it);
    if (auto deadline = answer_deadline(it->second); deadline && now >= *deadline) {
      end_transaction(it, timeout_reason(it->second, now));
    }
    it = next;
  }
  close_if_drained();
}

// ---- connection commands ----------------------------------------------------------

LinkResult<> CalloutLink::probe(TimePoint now) {
  advance(now);
  if (failed()) return ocp::unexpected(LinkError{LinkErrorCode::link_failed, failure_});
  if (!ready_) return ocp::unexpected(LinkError{LinkErrorCode::not_ready, "not negotiated yet"});
  if (auto sent = engine_.progress_query(); !sent) {
    return ocp::unexpected(LinkError{LinkErrorCode::refused_by_engine, sent.error().reason});
  }
  probes_.push_back(now);
  return {};
}

LinkResult<> CalloutLink::close(TimePoint now) {
  advance(now);
  if (failed()) return ocp::unexpected(LinkError{LinkErrorCode::link_failed, failure_});
  if (closing_) return ocp::unexpected(LinkError{LinkErrorCode::closing, "close() already called"});
  closing_ = true;
  close_if_drained();
  return {};
}

void CalloutLink::close_if_drained() {
  if (!closing_ || !open_.empty() || engine_.closed() || failed()) return;
  // RFC 4037 §11.2: CE ends the connection; nothing is left to end with it.
  if (auto closed = engine_.close(ocp::Result::ok()); closed) {
    probes_.clear();
    emit(LinkClosed{});
  }
}

void CalloutLink::fail_link(std::string reason, bool in_order) {
  if (failed()) return;
  failure_ = std::move(reason);
  ready_ = false;
  // Every transaction is told first, so that no SMTP session waits forever.
  while (!open_.empty()) {
    auto it = open_.begin();
    const TransactionId id{it->first};
    const bool unanswered = !it->second.last_answered && !it->second.adapted_ended;
    drop_outbox(it->second);
    open_.erase(it);
    emit(TransactionFinished{id, ocp::Result::failure(failure_), false, failure_,
                             in_order && unanswered, std::nullopt});
  }
  probes_.clear();
  if (!engine_.closed()) (void)engine_.close(ocp::Result::failure(failure_));
  emit(LinkFailed{failure_, in_order});
}

}  // namespace opes::processor
