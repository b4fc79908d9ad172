// The adapted dataflow (RFC 4037 §11.7-§11.10; smtp §3.3, A-28): each DUM
// checked against what was sent and allowed, then handed to the proxy; the
// end of each transaction; the answer timeouts.

#include <utility>

#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/parameter_rules.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/processor/callout_link.hpp"
#include "opes/processor/detail/durations.hpp"

namespace opes::processor {

namespace {

namespace engine = ocp::engine;
using ocp::smtp::AmPart;

std::string token(const AmPart& part) {
  return std::string(part.token());
}

/// Two instances of one spanning part in a row (two SECTIONS) look like one
/// on the wire (smtp §3.3.1): an answer running on covers the next instance
/// too, which is settled once something else follows.
void settle_merged_instances(detail::LinkTransaction& t) {
  if (!t.last_answered || !t.last_answered->can_span_dums()) return;
  while (!t.awaited.empty() && t.awaited.front().part == *t.last_answered) t.awaited.pop_front();
}

}  // namespace

void CalloutLink::on_answer(const engine::DataReceived& event) {
  auto it = open_.find(event.xid.value);
  if (it == open_.end() || event.flow != engine::Dataflow::adapted) return;
  detail::LinkTransaction& t = it->second;

  auto parameters = ocp::smtp::read_dum_parameters(engine::as_dum(event));
  if (!parameters) {
    end_transaction(it, parameters.error().describe());
    return;
  }
  // smtp §3.3.1-§3.3.5: AM-Part present, nothing the processor's Allow did
  // not list, nothing only the processor may send.
  if (auto allowed = ocp::smtp::check_callout_server_dum(*parameters, settings_.allow); !allowed) {
    end_transaction(it, allowed.error().describe());
    return;
  }
  const AmPart& part = *parameters->am_part;
  if (profile_->is_informative(part)) {
    end_transaction(it, "A-28: an answer for " + token(part) + ", an informative part");
    return;
  }
  if (!profile_->is_adaptive(part)) {
    end_transaction(it, "A-28: an answer for " + token(part) + ", which is not an adaptive part");
    return;
  }
  const bool continues = t.last_answered && *t.last_answered == part && part.can_span_dums();
  if (!continues) {
    settle_merged_instances(t);
    if (t.awaited.empty()) {
      end_transaction(it,
                      "an answer for " + token(part) + ", but no adaptive part awaits an answer");
      return;
    }
    if (!(t.awaited.front().part == part)) {
      // The project's callout server answers parts in the order they came.
      end_transaction(it, "an answer for " + token(part) + " before the answer for " +
                              token(t.awaited.front().part));
      return;
    }
    t.awaited.pop_front();
  }
  if (auto accepted = t.adapted.accept_received(part); !accepted) {
    end_transaction(it, accepted.error().describe());
    return;
  }
  t.last_answered = part;
  emit(AnswerReceived{TransactionId{event.xid.value}, part, event.payload, !continues,
                      event.as_is.has_value(), std::move(parameters->smtp_error),
                      parameters->advice, std::move(parameters->add_header),
                      std::move(parameters->am_opt).value_or(std::vector<ocp::smtp::AmOption>{})});
}

void CalloutLink::on_reused_data(const engine::PreservedDataUsed& event) {
  // The engine refuses a DUY outside announced Kept data, and we never send
  // Kept (RFC 4037 §11.10); a DUY that still arrives is not ours to apply.
  auto it = open_.find(event.xid.value);
  if (it == open_.end()) return;
  end_transaction(it, "DUY, but the processor never announced Kept (RFC 4037 §11.10)");
}

void CalloutLink::on_adapted_end(const engine::ApplicationMessageEnded& event) {
  auto it = open_.find(event.xid.value);
  if (it == open_.end() || event.flow != engine::Dataflow::adapted) return;
  detail::LinkTransaction& t = it->second;
  if (event.result.effective_code() == ocp::Result::kOk) {
    settle_merged_instances(t);
    // A-28 as the project's callout server carries it: every adaptive part
    // instance gets one answer before its AME.
    if (!t.awaited.empty()) {
      end_transaction(it, "AME before the answer for " + token(t.awaited.front().part));
      return;
    }
  }
  t.adapted_ended = true;
  emit(AdaptedEnded{TransactionId{event.xid.value}, event.result});
}

void CalloutLink::on_transaction_ended(const engine::TransactionEnded& event) {
  auto it = open_.find(event.xid.value);
  if (it == open_.end()) return;
  drop_outbox(it->second);
  open_.erase(it);
  const bool by_server = event.ended_by == engine::Side::peer;
  TransactionFinished finished{TransactionId{event.xid.value}, event.result, by_server,
                               event.result.reason.value_or("TE " + std::to_string(event.result.code)),
                               false, std::nullopt};
  if (by_server && event.result.effective_code() != ocp::Result::kOk) {
    // Only a permanent reply: a limit of the server is the message's.
    if (const ocp::NamedValue* member = event.result.extensions.find(ocp::smtp::kResultSmtpError)) {
      if (const ocp::Atom* text = member->value.as_atom()) {
        auto reply = ocp::smtp::parse_reply(text->bytes);
        if (reply && reply->code >= 500 && reply->code < 600) finished.smtp_error = std::move(*reply);
      }
    }
  }
  emit(std::move(finished));
}

void CalloutLink::end_transaction(Transactions::iterator it, std::string reason) {
  if (it == open_.end()) return;
  const ocp::Xid xid = it->second.xid;
  drop_outbox(it->second);
  open_.erase(it);
  // RFC 4037 §5: the transaction is ended with TE 400 naming the cause.
  (void)engine_.end_transaction(xid, ocp::Result::failure(reason));
  emit(TransactionFinished{TransactionId{xid.value}, ocp::Result::failure(reason), false,
                           std::move(reason), false, std::nullopt});
}

// ---- answer timeouts --------------------------------------------------------------

std::optional<TimePoint> CalloutLink::answer_deadline(const detail::LinkTransaction& t) const {
  std::optional<TimePoint> earliest;
  const LinkTimeouts& limits = settings_.timeouts;
  if (limits.command_answer > Duration::zero()) {
    for (const auto& awaited : t.awaited) {
      if (awaited.command) {
        earliest = awaited.since + limits.command_answer;  // oldest first
        break;
      }
    }
  }
  if (t.original_ended && limits.content_answer > Duration::zero()) {
    const TimePoint content = *t.original_ended + limits.content_answer;
    if (!earliest || content < *earliest) earliest = content;
  }
  return earliest;
}

std::string CalloutLink::timeout_reason(const detail::LinkTransaction& t, TimePoint now) const {
  const LinkTimeouts& limits = settings_.timeouts;
  for (const auto& awaited : t.awaited) {
    if (awaited.command && limits.command_answer > Duration::zero() &&
        now >= awaited.since + limits.command_answer) {
      return "no answer for " + token(awaited.part) + " within " +
             detail::describe_duration(limits.command_answer);
    }
  }
  const std::string after = " within " + detail::describe_duration(limits.content_answer) +
                            " of the end of the original message";
  for (const auto& awaited : t.awaited) {
    if (!awaited.command) return "no answer for " + token(awaited.part) + after;
  }
  if (!t.adapted_ended) return "no end of the adapted message" + after;
  return "no end of the transaction" + after;
}

}  // namespace opes::processor
