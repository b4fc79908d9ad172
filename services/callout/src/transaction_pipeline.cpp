#include "opes/callout/transaction_pipeline.hpp"

#include <algorithm>

#include "opes/callout/part_views.hpp"

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
  // Content parts: how each stage sees the part (part_views.hpp), and for a
  // RAWDATA fed as ALLHEADERS + BODY the index of the BODY (`index` holds
  // the ALLHEADERS'). Parts joined into one RAWDATA share its index.
  std::vector<ContentView> views;
  std::vector<plugin_host::PartIndex> body_index;
  PartAnswer answer;
};

struct TransactionPipeline::Stage {
  PipelineService service;
  std::optional<plugin_host::Transaction> transaction;
  bool finished = false;
  bool got_content = false;  // fed a content part it declared (as such or derived)
};

TransactionPipeline::TransactionPipeline(std::vector<PipelineService> services, std::uint64_t max_buffered)
    : max_buffered_(max_buffered) {
  for (auto& service : services) stages_.push_back(Stage{std::move(service), std::nullopt, false, false});
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
    part.views.assign(stages_.size(), ContentView::direct);
    part.body_index.assign(stages_.size(), 0);
    bool derived = false;
    if (part.content) {
      for (std::size_t s = 0; s < stages_.size(); ++s) {
        part.views[s] = content_view(stages_[s].service.instance.info(), name);
        derived = derived || part.views[s] != ContentView::direct;
      }
    }
    // Later services must see a content part as changed by the earlier
    // ones, known only at the end of the message; so must everything after
    // it, to keep the SMTP order. A first service that gets the part in
    // another shape gets it whole, at the end, too.
    if (part.content) {
      const bool first_direct = stages_.empty() || part.views[0] == ContentView::direct;
      live_stages_ = std::min<std::size_t>(live_stages_, first_direct ? 1 : 0);
    }
    // Command parts are small and always kept; content only when needed.
    part.bytes_kept = !part.content || adaptive || stages_.size() > 1 || derived;
    parts_.push_back(std::move(part));
    open_part_ = true;
  }
  Part& part = parts_.back();
  part.size += static_cast<std::uint32_t>(bytes.size());
  if (refusal_) return add_refused(part);
  if (part.bytes_kept && !keep(part, bytes)) {
    // A limit of this server is the message's: refused with a permanent
    // SMTP reply when every answer can carry it (docs/ocp-conformance.md).
    if (can_refuse()) {
      refuse_message();
      return add_refused(part);
    }
    return ocp::unexpected(limit_failure());
  }
  const bool last = !part.name.can_span_dums();

  if (part.content || !last) {
    // Streamed to the first service only; the others wait for the end.
    if (live_stages_ > 0 && !stages_.empty()) {
      auto fed = stages_[0].transaction->feed(part.name.token(), bytes, last, part.allow, part.adaptive);
      if (!fed) return ocp::unexpected(fail(0, fed.error().message));
      part.index[0] = *fed;
      part.states[0] = StageState::feeding;
      note_fed(0, part.name);
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

std::string TransactionPipeline::limit_reply() const {
  return "552 5.3.4 Message too big for content adaptation (max_buffered_part " + std::to_string(max_buffered_) +
         " octets)";
}

PipelineFailure TransactionPipeline::limit_failure() {
  PipelineFailure failure = fail(stages_.size(), "the message needs more than " + std::to_string(max_buffered_) +
                                                     " octets held in memory (limits.max_buffered_part)");
  failure.smtp_reply = limit_reply();
  return failure;
}

bool TransactionPipeline::refusable(const Part& part) {
  // An adaptive content part needs an answer that can carry the refusal
  // (smtp §3.3.3: SMTP-Error only where Allow lists it); an adaptive command
  // part keeps its octets and is answered as the services left it.
  return !part.adaptive || !part.content || part.allow.smtp_error;
}

bool TransactionPipeline::can_refuse() const {
  const bool adaptive_content =
      std::any_of(parts_.begin(), parts_.end(), [](const Part& part) { return part.content && part.adaptive; });
  return adaptive_content && std::all_of(parts_.begin(), parts_.end(), refusable);
}

void TransactionPipeline::refuse_message() {
  refusal_ = limit_reply();
  abort();  // no service sees more of the message
  for (Part& part : parts_) mark_refused(part);
}

void TransactionPipeline::mark_refused(Part& part) {
  std::fill(part.states.begin(), part.states.end(), StageState::skipped);
  if (!part.content) return;
  buffered_ -= std::min<std::uint64_t>(buffered_, part.bytes.size());
  part.bytes = std::string();
  part.bytes_kept = false;
  if (!part.adaptive) return;
  part.rejected = true;
  part.answer = PartAnswer{};
  part.answer.kind = PartAnswer::Kind::rejected;
  part.answer.reply = *refusal_;
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::add_refused(Part& part) {
  if (!refusable(part)) {
    return ocp::unexpected(limit_failure());
  }
  mark_refused(part);
  if (!part.name.can_span_dums()) {
    part.complete = true;
    open_part_ = false;
  }
  return {};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::feed_whole(std::size_t s, Part& part) {
  auto fed = stages_[s].transaction->feed(part.name.token(), part.bytes, true, part.allow, part.adaptive);
  if (!fed) return ocp::unexpected(fail(s, fed.error().message));
  part.index[s] = *fed;
  part.states[s] = StageState::feeding;
  note_fed(s, part.name);
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

void TransactionPipeline::note_fed(std::size_t s, const ocp::smtp::AmPart& part) {
  if (is_content(part) && stages_[s].service.instance.info().reads(part.token())) stages_[s].got_content = true;
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::feed_split(std::size_t s, Part& part) {
  // Negotiated RAWDATA, a service of ALLHEADERS and/or BODY: both halves, in
  // SMTP order; the host passes over the one it did not declare.
  const std::string_view whole = part.bytes;
  const std::size_t header = header_section_size(whole);
  plugin_host::Transaction& transaction = *stages_[s].transaction;
  auto head = transaction.feed("ALLHEADERS", whole.substr(0, header), true, part.allow, part.adaptive);
  if (!head) return ocp::unexpected(fail(s, head.error().message));
  auto body = transaction.feed("BODY", whole.substr(header), true, part.allow, part.adaptive);
  if (!body) return ocp::unexpected(fail(s, body.error().message));
  part.index[s] = *head;
  part.body_index[s] = *body;
  part.states[s] = StageState::feeding;
  stages_[s].got_content = true;
  return {};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::feed_joined(std::size_t s, std::size_t first) {
  // Negotiated ALLHEADERS and BODY, a service of RAWDATA: the message they
  // make together. Adaptive only when every piece is: the answer may change
  // any of it.
  std::string whole;
  bool adaptive = true;
  std::vector<std::size_t> group;
  for (std::size_t p = first; p < parts_.size(); ++p) {
    const Part& part = parts_[p];
    if (!part.content || part.states[s] != StageState::waiting || part.views[s] != ContentView::join_split) continue;
    group.push_back(p);
    whole += part.bytes;
    adaptive = adaptive && part.adaptive;
  }
  auto fed = stages_[s].transaction->feed("RAWDATA", whole, true, parts_[first].allow, adaptive);
  if (!fed) return ocp::unexpected(fail(s, fed.error().message));
  for (std::size_t p : group) {
    parts_[p].index[s] = *fed;
    parts_[p].states[s] = StageState::feeding;
  }
  stages_[s].got_content = true;
  return {};
}

namespace {

const plugin_host::PartVerdict* verdict_for(const plugin_host::TransactionResult& result,
                                            plugin_host::PartIndex index) {
  const auto found = std::find_if(result.verdicts.begin(), result.verdicts.end(),
                                  [&](const plugin_host::PartVerdict& v) { return v.index == index; });
  return found == result.verdicts.end() ? nullptr : &*found;
}

bool replaces(const plugin_host::PartVerdict* verdict) {
  return verdict && verdict->action == plugin_host::Action::Replace;
}

}  // namespace

void TransactionPipeline::take_split_verdict(std::size_t s, Part& part, const plugin_host::TransactionResult& result) {
  const plugin_host::PartVerdict* head = verdict_for(result, part.index[s]);
  const plugin_host::PartVerdict* body = verdict_for(result, part.body_index[s]);
  if (!head && !body) {
    part.states[s] = StageState::done;
    return;
  }
  // Both answers become the one RAWDATA answer: fields and advice of both,
  // a rejection of either, or the message with the changed half.
  plugin_host::PartVerdict merged;
  for (const plugin_host::PartVerdict* verdict : {head, body}) {
    if (!verdict) continue;
    merged.headers.insert(merged.headers.end(), verdict->headers.begin(), verdict->headers.end());
    if (!merged.advice) merged.advice = verdict->advice;
    if (verdict->action == plugin_host::Action::Reject && merged.action != plugin_host::Action::Reject) {
      merged.action = plugin_host::Action::Reject;
      merged.smtp_reply = verdict->smtp_reply;
    }
  }
  if (merged.action != plugin_host::Action::Reject && (replaces(head) || replaces(body))) {
    const std::string_view whole = part.bytes;
    const std::size_t header = header_section_size(whole);
    std::string content = replaces(head) ? head->content : std::string(whole.substr(0, header));
    content += replaces(body) ? std::string_view(body->content) : whole.substr(header);
    if (content != whole) {
      merged.action = plugin_host::Action::Replace;
      merged.content = std::move(content);
    }
  }
  take_verdict(s, part, merged);
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::take_joined_verdict(
    std::size_t s, std::size_t first, const plugin_host::TransactionResult& result) {
  std::vector<std::size_t> group;
  for (std::size_t p = first; p < parts_.size(); ++p) {
    const Part& part = parts_[p];
    if (part.states[s] == StageState::feeding && part.views[s] == ContentView::join_split &&
        part.index[s] == parts_[first].index[s]) {
      group.push_back(p);
    }
  }
  const plugin_host::PartVerdict* verdict = verdict_for(result, parts_[first].index[s]);
  if (!verdict) {
    for (std::size_t p : group) parts_[p].states[s] = StageState::done;
    return {};
  }
  // Fields, advice and a rejection go on the first piece (the processor
  // takes the first SMTP-Error of the message); changed octets are cut back
  // at the end of the new header section.
  plugin_host::PartVerdict carried;
  carried.headers = verdict->headers;
  carried.advice = verdict->advice;
  if (verdict->action == plugin_host::Action::Reject) {
    carried.action = plugin_host::Action::Reject;
    carried.smtp_reply = verdict->smtp_reply;
    take_verdict(s, parts_[group.front()], carried);
    for (std::size_t p = 1; p < group.size(); ++p) {
      parts_[group[p]].states[s] = StageState::done;
      for (std::size_t later = s + 1; later < stages_.size(); ++later) {
        parts_[group[p]].states[later] = StageState::skipped;
      }
    }
    return {};
  }
  if (verdict->action != plugin_host::Action::Replace) {
    take_verdict(s, parts_[group.front()], carried);
    for (std::size_t p = 1; p < group.size(); ++p) parts_[group[p]].states[s] = StageState::done;
    return {};
  }
  if (group.size() != 2 || parts_[group[0]].name.kind() != ocp::smtp::AmPart::allheaders ||
      parts_[group[1]].name.kind() != ocp::smtp::AmPart::body) {
    return ocp::unexpected(fail(s, "its changed RAWDATA cannot be given back as the negotiated parts"));
  }
  const std::string_view content = verdict->content;
  const std::size_t header = header_section_size(content);
  Part& head = parts_[group[0]];
  Part& body = parts_[group[1]];
  if (content.substr(0, header) != head.bytes) {
    carried.action = plugin_host::Action::Replace;
    carried.content = std::string(content.substr(0, header));
  }
  plugin_host::PartVerdict body_verdict;
  if (content.substr(header) != body.bytes) {
    body_verdict.action = plugin_host::Action::Replace;
    body_verdict.content = std::string(content.substr(header));
  }
  take_verdict(s, head, carried);
  take_verdict(s, body, body_verdict);
  return {};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::finish_stage(std::size_t s) {
  Stage& stage = stages_[s];
  const bool content_rejected =
      std::any_of(parts_.begin(), parts_.end(), [](const Part& part) { return part.content && part.rejected; });
  // Deferred parts, in arrival order, as the services before made them.
  for (std::size_t p = 0; p < parts_.size(); ++p) {
    Part& part = parts_[p];
    if (part.states[s] != StageState::waiting) continue;
    if (!part.content || part.views[s] == ContentView::direct) {
      if (auto fed = feed_whole(s, part); !fed) return fed;
    } else if (content_rejected) {
      part.states[s] = StageState::skipped;  // the message is refused already
    } else if (part.views[s] == ContentView::split_rawdata) {
      if (auto fed = feed_split(s, part); !fed) return fed;
    } else if (auto fed = feed_joined(s, p); !fed) {
      return fed;
    }
  }
  // A service that declared content and got none of it would pass the
  // message unseen: the transaction fails instead (never a silent skip).
  // SINGLEHEADERS are sent only for fields that exist (smtp §3.2.5).
  const plugin_host::ServiceInfo& info = stage.service.instance.info();
  const bool content_arrived =
      std::any_of(parts_.begin(), parts_.end(), [](const Part& part) { return part.content; });
  if (content_arrived && !content_rejected && !stage.got_content && declares_content(info) &&
      !info.reads("SINGLEHEADERS")) {
    std::string sent;
    for (const Part& part : parts_) {
      if (part.content && sent.find(part.name.token()) == std::string::npos) {
        sent += (sent.empty() ? "" : ",") + std::string(part.name.token());
      }
    }
    return ocp::unexpected(fail(s, "received none of the content parts it declared; the message came as " + sent));
  }
  const plugin_host::TransactionResult& result = stage.transaction->end_of_message();
  stage.finished = true;
  if (result.outcome != plugin_host::Outcome::Completed) {
    return ocp::unexpected(fail(s, result.failure.empty() ? "the service did not complete" : result.failure));
  }
  for (std::size_t p = 0; p < parts_.size(); ++p) {
    Part& part = parts_[p];
    if (part.states[s] != StageState::feeding) continue;
    if (part.content && part.views[s] == ContentView::split_rawdata) {
      take_split_verdict(s, part, result);
    } else if (part.content && part.views[s] == ContentView::join_split) {
      if (auto taken = take_joined_verdict(s, p, result); !taken) return taken;
    } else if (const plugin_host::PartVerdict* verdict = verdict_for(result, part.index[s])) {
      take_verdict(s, part, *verdict);
    } else {
      part.states[s] = StageState::done;
    }
  }
  return {};
}

ocp::Expected<void, PipelineFailure> TransactionPipeline::end_of_message() {
  if (ended_) return {};
  if (auto closed = close_open_part(); !closed) return closed;
  ended_ = true;
  if (refusal_) return {};  // every answer is final already (refuse_message)
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
  // A refused message is answered at its end, as any content is: the
  // processor sends the rest of it and its AME first.
  if (refusal_ && !ended_) return std::nullopt;
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
