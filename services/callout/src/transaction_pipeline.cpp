#include "opes/callout/transaction_pipeline.hpp"

#include <algorithm>

namespace opes::callout {

namespace {

enum class StageState : std::uint8_t {
  waiting,  // not fed yet (a deferred stage)
  feeding,  // fed, its verdict not final yet
  done,     // verdict taken (or the service passed it over)
  skipped,  // an earlier service rejected the part
};

bool is_content(const ocp::smtp::AmPart& part) {
  using Kind = ocp::smtp::AmPart::Kind;
  switch (part.kind()) {
    case Kind::rawdata:
    case Kind::allheaders:
    case Kind::singleheaders:
    case Kind::body:
    case Kind::sections: return true;
    default: return false;
  }
}

}  // namespace

std::string PipelineFailure::describe() const {
  return service.empty() ? reason : "service " + service + ": " + reason;
}

struct TransactionPipeline::Part {
  ocp::smtp::AmPart name = ocp::smtp::AmPart::rawdata;
  bool adaptive = false;
  bool content = false;
  bool complete = false;  // its last octets arrived
  bool rejected = false;
  plugin_host::Allow allow;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  // What the next service sees (the original octets, or the last
  // replacement), when it must be kept at all.
  std::string bytes;
  bool bytes_kept = false;
  std::vector<StageState> states;
  std::vector<plugin_host::PartIndex> index;  // per stage, once fed
  PartAnswer answer;
};

struct TransactionPipeline::Stage {
  PipelineService service;
  std::optional<plugin_host::Transaction> transaction;
  bool finished = false;
};

TransactionPipeline::TransactionPipeline(std::vector<PipelineService> services, std::uint64_t max_buffered)
    : max_buffered_(max_buffered) {
  for (auto& service : services) stages_.push_back(Stage{std::move(service), std::nullopt, false});
  live_stages_ = stages_.size();
}

TransactionPipeline::TransactionPipeline(TransactionPipeline&&) noexcept = default;
TransactionPipeline& TransactionPipeline::operator=(TransactionPipeline&&) noexcept = default;
TransactionPipeline::~TransactionPipeline() = default;

PipelineFailure TransactionPipeline::fail(std::size_t stage, std::string reason) {
  abort();
  return PipelineFailure{stage < stages_.size() ? stages_[stage].service.name : std::string(),
                         std::move(reason)};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::begin(const plugin_host::Metadata& metadata) {
  for (std::size_t s = 0; s < stages_.size(); ++s) {
    auto started = stages_[s].service.instance.begin(metadata);
    if (!started) return ocp::unexpected(fail(s, started.error().message));
    stages_[s].transaction.emplace(std::move(*started));
  }
  return {};
}

bool TransactionPipeline::keep(Part& part, std::string_view bytes) {
  if (bytes.size() > max_buffered_ - std::min(max_buffered_, buffered_)) return false;
  part.bytes.append(bytes);
  buffered_ += bytes.size();
  return true;
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::add(const ocp::smtp::AmPart& name,
                                                              bool starts_part, std::string_view bytes,
                                                              std::uint32_t offset, bool adaptive,
                                                              plugin_host::Allow allow) {
  if (ended_) return ocp::unexpected(fail(stages_.size(), "data after the end of the message"));
  if (starts_part || !open_part_ || !(parts_.back().name == name)) {
    if (auto closed = close_open_part(); !closed) return closed;
    Part part;
    part.name = name;
    part.adaptive = adaptive;
    part.content = is_content(name);
    part.allow = adaptive ? allow : plugin_host::Allow::none();
    part.offset = offset;
    part.states.assign(stages_.size(), StageState::waiting);
    part.index.assign(stages_.size(), 0);
    // Later services must see a content part as changed by the earlier
    // ones, known only at the end of the message; so must everything after
    // it, to keep the SMTP order.
    if (part.content) live_stages_ = std::min<std::size_t>(live_stages_, 1);
    // Command parts are small and always kept; content only when needed.
    part.bytes_kept = !part.content || adaptive || stages_.size() > 1;
    parts_.push_back(std::move(part));
    open_part_ = true;
  }
  Part& part = parts_.back();
  part.size += static_cast<std::uint32_t>(bytes.size());
  if (part.bytes_kept && !keep(part, bytes)) {
    return ocp::unexpected(fail(stages_.size(), "the message needs more than " + std::to_string(max_buffered_) +
                                                    " octets held in memory (limits.max_buffered_part)"));
  }
  const bool last = !part.name.can_span_dums();

  if (part.content || !last) {
    // Streamed to the first service only; the others wait for the end.
    if (live_stages_ > 0 && !stages_.empty()) {
      auto fed = stages_[0].transaction->feed(part.name.token(), bytes, last, part.allow, part.adaptive);
      if (!fed) return ocp::unexpected(fail(0, fed.error().message));
      part.index[0] = *fed;
      part.states[0] = StageState::feeding;
    }
    if (last) return close_open_part();
    return {};
  }

  // A command part: through every live service now, since the SMTP client
  // waits for its reply.
  part.complete = true;
  open_part_ = false;
  for (std::size_t s = 0; s < live_stages_ && !part.rejected; ++s) {
    if (auto fed = feed_whole(s, part); !fed) return fed;
  }
  return {};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::feed_whole(std::size_t s, Part& part) {
  auto fed = stages_[s].transaction->feed(part.name.token(), part.bytes, true, part.allow, part.adaptive);
  if (!fed) return ocp::unexpected(fail(s, fed.error().message));
  part.index[s] = *fed;
  part.states[s] = StageState::feeding;
  if (!part.content) {
    // A command part's verdict is final once fed (plugin_host/transaction.hpp).
    if (const plugin_host::PartVerdict* verdict = stages_[s].transaction->verdict(*fed)) {
      take_verdict(s, part, *verdict);
    } else {
      part.states[s] = StageState::done;
    }
  }
  return {};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::close_open_part() {
  if (!open_part_) return {};
  open_part_ = false;
  Part& part = parts_.back();
  part.complete = true;
  if (!part.name.can_span_dums()) return {};  // fed with last = true already
  if (!stages_.empty() && part.states[0] == StageState::feeding) {
    auto fed = stages_[0].transaction->feed(part.name.token(), {}, true, part.allow, part.adaptive);
    if (!fed) return ocp::unexpected(fail(0, fed.error().message));
  }
  return {};
}

void TransactionPipeline::take_verdict(std::size_t s, Part& part, const plugin_host::PartVerdict& verdict) {
  part.states[s] = StageState::done;
  PartAnswer& answer = part.answer;
  answer.headers.insert(answer.headers.end(), verdict.headers.begin(), verdict.headers.end());
  if (!answer.advice) answer.advice = verdict.advice;
  switch (verdict.action) {
    case plugin_host::Action::Keep: break;
    case plugin_host::Action::Replace:
      buffered_ -= std::min<std::uint64_t>(buffered_, part.bytes.size());
      part.bytes = verdict.content;
      buffered_ += part.bytes.size();
      part.bytes_kept = true;
      answer.kind = PartAnswer::Kind::replaced;
      answer.service = stages_[s].service.name;
      break;
    case plugin_host::Action::Reject:
      part.rejected = true;
      answer.kind = PartAnswer::Kind::rejected;
      answer.reply = verdict.smtp_reply;
      answer.service = stages_[s].service.name;
      for (std::size_t later = s + 1; later < stages_.size(); ++later) part.states[later] = StageState::skipped;
      break;
  }
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::finish_stage(std::size_t s) {
  Stage& stage = stages_[s];
  // Deferred parts, in arrival order, as the services before made them.
  for (Part& part : parts_) {
    if (part.states[s] != StageState::waiting) continue;
    if (auto fed = feed_whole(s, part); !fed) return fed;
  }
  const plugin_host::TransactionResult& result = stage.transaction->end_of_message();
  stage.finished = true;
  if (result.outcome != plugin_host::Outcome::Completed) {
    return ocp::unexpected(fail(s, result.failure.empty() ? "the service did not complete" : result.failure));
  }
  for (Part& part : parts_) {
    if (part.states[s] != StageState::feeding) continue;
    const auto verdict = std::find_if(result.verdicts.begin(), result.verdicts.end(),
                                      [&](const plugin_host::PartVerdict& v) { return v.index == part.index[s]; });
    if (verdict == result.verdicts.end()) {
      part.states[s] = StageState::done;
    } else {
      take_verdict(s, part, *verdict);
    }
  }
  return {};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::end_of_message() {
  if (ended_) return {};
  if (auto closed = close_open_part(); !closed) return closed;
  ended_ = true;
  for (std::size_t s = 0; s < stages_.size(); ++s) {
    if (auto finished = finish_stage(s); !finished) return finished;
  }
  return {};
}

bool TransactionPipeline::is_final(const Part& part) const {
  if (!part.complete) return false;
  return std::all_of(part.states.begin(), part.states.end(), [](StageState state) {
    return state == StageState::done || state == StageState::skipped;
  });
}

std::optional<PartAnswer> TransactionPipeline::next_answer() {
  while (first_unanswered_ < parts_.size()) {
    Part& part = parts_[first_unanswered_];
    if (!part.adaptive) {  // read only: nothing to answer
      ++first_unanswered_;
      continue;
    }
    if (!is_final(part)) return std::nullopt;
    PartAnswer answer = std::move(part.answer);
    answer.part = first_unanswered_;
    answer.name = part.name;
    answer.original_offset = part.offset;
    answer.original_size = part.size;
    if (answer.kind != PartAnswer::Kind::rejected) {
      answer.content = std::move(part.bytes);
    }
    buffered_ -= std::min<std::uint64_t>(buffered_, answer.content.size());
    part.bytes = std::string();
    ++first_unanswered_;
    return answer;
  }
  return std::nullopt;
}

void TransactionPipeline::abort() noexcept {
  for (Stage& stage : stages_) {
    if (stage.transaction) stage.transaction->abort();
  }
}

}  // namespace opes::callout
