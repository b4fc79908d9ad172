#include "opes/processor/message_assembler.hpp"

#include "opes/processor/header_section.hpp"

namespace opes::processor {

using ocp::smtp::AmPart;

namespace {

std::string token(const AmPart& part) {
  return std::string(part.token());
}

}  // namespace

MessageAssembler::MessageAssembler(ContentLayout layout, AssemblerLimits limits,
                                   std::filesystem::path spill_directory)
    : layout_(std::move(layout)), limits_(limits), spill_directory_(std::move(spill_directory)) {
  if (limits_.max_output_chunk == 0) limits_.max_output_chunk = 1;
}

ocp::Expected<void, ContentError> MessageAssembler::fail(ContentError error) {
  error_ = error;
  return ocp::unexpected(std::move(error));
}

std::size_t MessageAssembler::index_of(const AmPart& part) noexcept {
  switch (part.kind()) {
    case AmPart::rawdata:
      return 0;
    case AmPart::allheaders:
      return 1;
    case AmPart::singleheaders:
      return 2;
    case AmPart::body:
      return 3;
    case AmPart::sections:
      return 4;
    default:
      return 5;  // never adaptive content: only counted to keep the index valid
  }
}

MessageAssembler::Slot& MessageAssembler::slot(std::uint64_t id) {
  return slots_[static_cast<std::size_t>(id - slots_.front().id)];
}

MessageAssembler::Slot& MessageAssembler::new_slot(std::optional<AmPart> answers) {
  // Kept octets end where the next stretch of output begins.
  if (!slots_.empty() && !slots_.back().answers) slots_.back().complete = true;
  slots_.push_back(Slot{next_id_++, std::move(answers),
                        SpillBuffer(spill_directory_, limits_.spill_memory), false});
  return slots_.back();
}

ocp::Expected<void, ContentError> MessageAssembler::hold(Slot& target, std::string_view bytes) {
  auto held = target.held.append(bytes);
  if (!held) return fail({ContentError::Kind::spill_failed, std::move(held).error().reason});
  return {};
}

ocp::Expected<void, ContentError> MessageAssembler::note_original(const OriginalPiece& piece) {
  if (error_) return ocp::unexpected(*error_);
  if (original_done_) {
    return fail({ContentError::Kind::misuse, "an original piece after original_finished()"});
  }
  if (!piece.part || !piece.adaptive) {
    // P-10: kept and informative octets are the processor's to re-emit.
    if (piece.bytes.empty()) return {};
    const bool open_kept = !slots_.empty() && !slots_.back().answers && !slots_.back().complete;
    return hold(open_kept ? slots_.back() : new_slot(std::nullopt), piece.bytes);
  }
  const AmPart& part = *piece.part;
  if (!layout_.is_adaptive(part)) {
    return fail({ContentError::Kind::misuse,
                 "an adaptive " + token(part) + " piece, which the layout does not make adaptive"});
  }
  if (!piece.starts_instance) {
    if (slots_.empty() || slots_.back().answers != part) {
      return fail({ContentError::Kind::misuse,
                   "a continuation of " + token(part) + " without its first piece"});
    }
    return {};
  }
  if (answers_done_) {
    return fail({ContentError::Kind::unexpected_answer,
                 token(part) + " sent after the callout server's answers finished"});
  }
  ++sent_[index_of(part)];
  // P-4: the sections follow each other and make up the body, so all their
  // answers together replace it: one slot.
  if (part == AmPart(AmPart::sections) && !slots_.empty() && slots_.back().answers == part) {
    return {};
  }
  unanswered_.push_back(new_slot(part).id);
  return {};
}

ocp::Expected<void, ContentError> MessageAssembler::original_finished() {
  if (error_) return ocp::unexpected(*error_);
  if (!slots_.empty() && !slots_.back().answers) slots_.back().complete = true;
  original_done_ = true;
  return {};
}

std::string MessageAssembler::missing_answer(const Slot& next) const {
  const AmPart& part = *next.answers;
  if (part == AmPart(AmPart::singleheaders)) {
    return "callout server answered " + std::to_string(answered_[2]) + " of " +
           std::to_string(sent_[2]) + " SINGLEHEADERS fields";
  }
  return "callout server did not answer " + token(part);
}

ocp::Expected<void, ContentError> MessageAssembler::end_current_answer() {
  if (!answering_) return {};
  Slot& current = slot(*answering_);
  const AmPart part = *current.answers;
  if (part == AmPart(AmPart::singleheaders)) {
    // smtp §3.2.5 and P-7: the answer replaces one field, so it must be
    // header fields (none removes the field).
    const HeaderFieldsCheck check = check_header_fields(single_header_answer_);
    if (!check.problem.empty()) {
      return fail({ContentError::Kind::malformed_answer,
                   "SINGLEHEADERS answer " + std::to_string(answered_[index_of(part)] + 1) +
                       " is not header fields: " + check.problem});
    }
    auto held = hold(current, single_header_answer_);
    if (!held) return held;
    single_header_answer_.clear();
  }
  current.complete = true;
  ++answered_[index_of(part)];
  answering_.reset();
  return {};
}

ocp::Expected<void, ContentError> MessageAssembler::begin_answer(const AmPart& part) {
  if (!unanswered_.empty() && slot(unanswered_.front()).answers == part) {
    answering_ = unanswered_.front();
    unanswered_.pop_front();
    return {};
  }
  // RFC 4037 and smtp §3.3.1: answers come in the order the instances were
  // sent; say what is wrong in the callout server's terms.
  if (sent_[index_of(part)] > 0 && answered_[index_of(part)] >= sent_[index_of(part)]) {
    if (part == AmPart(AmPart::singleheaders)) {
      return fail({ContentError::Kind::unexpected_answer,
                   "callout server answered more SINGLEHEADERS fields than the " +
                       std::to_string(sent_[index_of(part)]) + " sent"});
    }
    return fail({ContentError::Kind::unexpected_answer,
                 "callout server answered " + token(part) + " twice"});
  }
  if (unanswered_.empty()) {
    return fail({ContentError::Kind::unexpected_answer,
                 "callout server answered " + token(part) +
                     (original_done_ ? ", which the processor did not send"
                                     : " before the processor sent it")});
  }
  return fail({ContentError::Kind::missing_answer,
               missing_answer(slot(unanswered_.front())) + " before it answered " + token(part)});
}

ocp::Expected<void, ContentError> MessageAssembler::add_answer(const AmPart& part,
                                                               std::string_view bytes,
                                                               bool starts_instance) {
  if (error_) return ocp::unexpected(*error_);
  if (answers_done_) {
    return fail({ContentError::Kind::unexpected_answer,
                 "callout server answered " + token(part) + " after its answers finished"});
  }
  if (!layout_.is_adaptive(part)) {
    return fail({ContentError::Kind::unexpected_answer,
                 "callout server answered " + token(part) +
                     ", which the processor did not send as adaptive"});
  }
  const bool same = answering_ && slot(*answering_).answers == part;
  bool next = !same;
  if (same && starts_instance) {
    if (part == AmPart(AmPart::singleheaders)) {
      next = true;
    } else if (part != AmPart(AmPart::sections)) {
      // P-12: one instance, however many DUMs carry its answer.
      return fail({ContentError::Kind::unexpected_answer,
                   "callout server answered " + token(part) + " twice"});
    }
  }
  if (next) {
    auto ended = end_current_answer();
    if (!ended) return ended;
    auto begun = begin_answer(part);
    if (!begun) return begun;
  }
  if (part == AmPart(AmPart::singleheaders)) {
    if (single_header_answer_.size() + bytes.size() > limits_.max_single_header_answer) {
      return fail({ContentError::Kind::limit_exceeded,
                   "SINGLEHEADERS answer exceeds " +
                       std::to_string(limits_.max_single_header_answer) +
                       " octets (max_single_header_answer)"});
    }
    single_header_answer_.append(bytes);
    return {};
  }
  return hold(slot(*answering_), bytes);
}

ocp::Expected<void, ContentError> MessageAssembler::answers_finished() {
  if (error_) return ocp::unexpected(*error_);
  if (answers_done_) return {};
  auto ended = end_current_answer();
  if (!ended) return ended;
  answers_done_ = true;
  if (!unanswered_.empty()) {
    return fail({ContentError::Kind::missing_answer, missing_answer(slot(unanswered_.front()))});
  }
  return {};
}

ocp::Expected<std::string, ContentError> MessageAssembler::take_output() {
  if (error_) return ocp::unexpected(*error_);
  while (!slots_.empty()) {
    Slot& head = slots_.front();
    if (!head.held.empty()) {
      auto chunk = head.held.read(limits_.max_output_chunk);
      if (!chunk) {
        error_ = ContentError{ContentError::Kind::spill_failed, std::move(chunk).error().reason};
        return ocp::unexpected(*error_);
      }
      return std::move(*chunk);
    }
    if (!head.complete) break;
    spilled_done_ += head.held.spilled();
    slots_.pop_front();
  }
  return std::string();
}

bool MessageAssembler::finished() const noexcept {
  if (!original_done_) return false;
  for (const Slot& held : slots_) {
    if (!held.complete || !held.held.empty()) return false;
  }
  return true;
}

std::uint64_t MessageAssembler::spilled_octets() const noexcept {
  std::uint64_t total = spilled_done_;
  for (const Slot& held : slots_) total += held.held.spilled();
  return total;
}

}  // namespace opes::processor
