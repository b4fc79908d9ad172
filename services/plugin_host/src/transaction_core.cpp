#include "transaction_core.hpp"

#include <utility>

#include "opes/plugin_host/am_part.hpp"
#include "opes/plugin_host/answer_syntax.hpp"

namespace opes::plugin_host::detail {
namespace {

// A plugin's error text is kept for the operator, not stored without bound.
constexpr std::size_t max_error_text = 4096;

std::string part_label(PartIndex index, std::string_view name) {
  return "part " + std::to_string(index) + " (" + std::string(name) + ")";
}

}  // namespace

TransactionCore::TransactionCore(std::shared_ptr<InstanceCore> instance)
    : instance_(std::move(instance)) {}

TransactionCore::~TransactionCore() {
  abort();
  release();
}

Expected<void, Error> TransactionCore::begin(const Metadata& metadata) {
  std::vector<opes_metadata_entry> entries;
  entries.reserve(metadata.size());
  for (const auto& [key, value] : metadata) entries.push_back({key.c_str(), value.c_str()});
  const opes_transaction_info info{entries.data(), entries.size()};

  plugin_tx_ = instance_->descriptor().begin(instance_->instance(), this, &info);
  if (!plugin_tx_) {
    state_ = State::Failed;
    result_.outcome = Outcome::Failed;
    result_.failure = instance_->label() + ": begin: " +
                      (reported_error_.empty() ? std::string("no reason given") : reported_error_);
    return unexpected(Error{Errc::transaction_failed, result_.failure});
  }
  state_ = State::Open;
  return {};
}

Expected<PartIndex, Error> TransactionCore::feed(std::string_view part, std::string_view bytes,
                                                 bool last, Allow allow, bool may_adapt) {
  if (state_ != State::Open) {
    return unexpected(
        Error{Errc::misuse, instance_->label() + ": feed on a transaction that is not open"});
  }
  PartIndex index = 0;
  if (open_part_) {
    index = *open_part_;
    if (parts_[index].name != part) {
      return host_failed(Errc::misuse, "part " + std::string(part) + " fed while " +
                                           part_label(index, parts_[index].name) +
                                           " still waits for its last chunk");
    }
  } else {
    if (!am_part::is_valid_name(part)) {
      return host_failed(Errc::misuse, "invalid am-part name \"" + std::string(part) + "\"");
    }
    if (!last && !am_part::is_fragmentable(part)) {
      return host_failed(Errc::misuse, "part " + std::string(part) +
                                           " cannot be split into chunks (draft §3.3.1)");
    }
    index = static_cast<PartIndex>(parts_.size());
    const ServiceInfo& info = instance_->info();
    const Role role = info.adapts(part) && may_adapt ? Role::Adaptive
                      : info.reads(part)             ? Role::Informative
                                                     : Role::PassedOver;
    PartRecord record{std::string(part), role, allow};
    if (record.role == Role::Adaptive) {
      record.verdict = result_.verdicts.size();
      result_.verdicts.push_back(PartVerdict{index, record.name, {}, {}, {}, {}, {}});
    }
    parts_.push_back(std::move(record));
    open_part_ = index;
  }
  if (last) open_part_.reset();
  if (parts_[index].role == Role::PassedOver) return index;

  Expected<void, Error> delivered;
  if (instance_->info().whole_parts && am_part::is_fragmentable(part)) {
    const std::size_t limit = instance_->limits().max_buffered_part;
    if (bytes.size() > limit - buffer_.size()) {
      return host_failed(Errc::limit_exceeded, part_label(index, part) +
                                                   " exceeds the buffering limit of " +
                                                   std::to_string(limit) + " octets");
    }
    if (!last) {
      buffer_.append(bytes);
      return index;
    }
    if (buffer_.empty()) {
      delivered = deliver(index, bytes, true);  // arrived whole: no copy
    } else {
      buffer_.append(bytes);
      const std::string whole = std::exchange(buffer_, std::string());
      delivered = deliver(index, whole, true);
    }
  } else {
    delivered = deliver(index, bytes, last);
  }
  if (!delivered) return unexpected(std::move(delivered).error());

  // opes/plugin.h ANSWERS: the SMTP client waits on a command's reply.
  if (last && !am_part::is_content(part)) parts_[index].settled = true;
  return index;
}

Expected<void, Error> TransactionCore::deliver(PartIndex index, std::string_view bytes, bool last) {
  const PartRecord& record = parts_[index];
  const std::uint32_t allow = (record.allow.smtp_error ? OPES_ALLOW_SMTP_ERROR : 0u) |
                              (record.allow.advice ? OPES_ALLOW_ADVICE : 0u) |
                              (record.allow.add_header ? OPES_ALLOW_ADD_HEADER : 0u);
  const opes_part_chunk chunk{index,        record.name.c_str(),
                              bytes.data(), bytes.size(),
                              last ? 1 : 0, record.role == Role::Adaptive ? 1 : 0,
                              allow};
  const opes_status status =
      call_plugin([&] { return instance_->descriptor().part(plugin_tx_, &chunk); });
  return after_call(status, part_label(index, record.name));
}

template <class Call>
opes_status TransactionCore::call_plugin(Call call) {
  in_call_ = true;
  refused_.reset();
  const opes_status status = call();
  in_call_ = false;
  return status;
}

Expected<void, Error> TransactionCore::after_call(opes_status status, std::string_view what) {
  if (status != OPES_OK) return plugin_failed(what);
  // The plugin carried on after an answer was refused: the host still
  // cannot use the transaction's answers.
  if (refused_) return host_failed(Errc::transaction_failed, std::string(what) + ": " + *refused_);
  return {};
}

const PartVerdict* TransactionCore::verdict(PartIndex part) const noexcept {
  if (part >= parts_.size()) return nullptr;
  const PartRecord& record = parts_[part];
  if (record.role != Role::Adaptive || !record.settled) return nullptr;
  return &result_.verdicts[record.verdict];
}

const TransactionResult& TransactionCore::end_of_message() {
  if (state_ != State::Open) return result_;
  if (open_part_) {
    (void)host_failed(Errc::misuse, "end of message while " +
                                        part_label(*open_part_, parts_[*open_part_].name) +
                                        " still waits for its last chunk");
    return result_;
  }
  const opes_status status =
      call_plugin([&] { return instance_->descriptor().end_of_message(plugin_tx_); });
  if (!after_call(status, "end of message")) return result_;
  for (PartRecord& record : parts_) record.settled = true;
  state_ = State::Ended;
  result_.outcome = Outcome::Completed;
  release();
  return result_;
}

void TransactionCore::abort() noexcept {
  if (state_ != State::Open) return;
  state_ = State::Aborted;
  result_.outcome = Outcome::Aborted;
  if (plugin_tx_ && instance_->descriptor().abort) instance_->descriptor().abort(plugin_tx_);
  release();
}

void TransactionCore::release() noexcept {
  if (!plugin_tx_) return;
  instance_->descriptor().release(plugin_tx_);
  plugin_tx_ = nullptr;
}

Unexpected<Error> TransactionCore::plugin_failed(std::string_view what) {
  const std::string why = refused_                  ? *refused_
                          : reported_error_.empty() ? std::string("failed, no reason given")
                                                    : reported_error_;
  state_ = State::Failed;
  result_.outcome = Outcome::Failed;
  result_.failure = instance_->label() + ": " + std::string(what) + ": " + why;
  release();  // opes/plugin.h LIFECYCLE: after an error return, release only
  return unexpected(Error{Errc::transaction_failed, result_.failure});
}

Unexpected<Error> TransactionCore::host_failed(Errc code, std::string why) {
  state_ = State::Failed;
  result_.outcome = Outcome::Failed;
  result_.failure = instance_->label() + ": " + std::move(why);
  if (plugin_tx_ && instance_->descriptor().abort) instance_->descriptor().abort(plugin_tx_);
  release();
  return unexpected(Error{code, result_.failure});
}

void TransactionCore::transaction_error(std::string_view text) {
  if (reported_error_.empty()) reported_error_.assign(text.substr(0, max_error_text));
}

opes_status TransactionCore::refuse(std::string why) {
  // Outside a host call there is nothing to fail safely; the call only
  // returns OPES_ERROR (opes/plugin.h ANSWERS).
  if (in_call_ && !refused_) refused_ = "answer refused: " + std::move(why);
  return OPES_ERROR;
}

PartVerdict* TransactionCore::answerable(PartIndex part, std::string_view answer) {
  if (!in_call_ || state_ != State::Open) {
    refuse(std::string(answer) + " outside a call from the host");
    return nullptr;
  }
  if (part >= parts_.size()) {
    refuse(std::string(answer) + " for part " + std::to_string(part) + ", not delivered yet");
    return nullptr;
  }
  const PartRecord& record = parts_[part];
  if (record.role != Role::Adaptive) {
    refuse(std::string(answer) + " for " + part_label(part, record.name) +
           ", which the service does not adapt");
    return nullptr;
  }
  if (record.settled) {
    refuse(std::string(answer) + " for " + part_label(part, record.name) +
           ", whose verdict is already final");
    return nullptr;
  }
  return &result_.verdicts[record.verdict];
}

opes_status TransactionCore::keep(PartIndex part) {
  PartVerdict* v = answerable(part, "keep");
  if (!v) return OPES_ERROR;
  v->action = Action::Keep;
  v->content.clear();
  v->smtp_reply.clear();
  return OPES_OK;
}

opes_status TransactionCore::replace(PartIndex part, std::string_view content) {
  PartVerdict* v = answerable(part, "replace");
  if (!v) return OPES_ERROR;
  if (v->action != Action::Replace) {
    v->action = Action::Replace;
    v->content.clear();
    v->smtp_reply.clear();
  }
  const std::size_t limit = instance_->limits().max_replacement;
  if (content.size() > limit - v->content.size()) {
    return refuse("replacement of " + part_label(part, v->part) + " exceeds the limit of " +
                  std::to_string(limit) + " octets");
  }
  v->content.append(content);
  return OPES_OK;
}

opes_status TransactionCore::reject(PartIndex part, std::string_view reply) {
  PartVerdict* v = answerable(part, "reject");
  if (!v) return OPES_ERROR;
  if (!parts_[part].allow.smtp_error) {
    return refuse("reject of " + part_label(part, v->part) +
                  ": the processor does not accept SMTP-Error for this part (draft §3.3.2)");
  }
  if (auto ok = check_rejection_reply(reply); !ok) {
    return refuse("reject of " + part_label(part, v->part) + ": " + ok.error());
  }
  v->action = Action::Reject;
  v->content.clear();  // draft §3.3.3: SMTP-Error goes with an empty payload
  v->smtp_reply.assign(reply);
  return OPES_OK;
}

opes_status TransactionCore::add_header(PartIndex part, std::string_view field) {
  PartVerdict* v = answerable(part, "add_header");
  if (!v) return OPES_ERROR;
  if (!parts_[part].allow.add_header) {
    return refuse("add_header to " + part_label(part, v->part) +
                  ": the processor does not accept Add-Header for this part (draft §3.3.2)");
  }
  if (added_headers_ >= instance_->limits().max_added_headers) {
    return refuse("more than " + std::to_string(instance_->limits().max_added_headers) +
                  " added header fields");
  }
  if (auto ok = check_header_field(field); !ok) {
    return refuse("add_header to " + part_label(part, v->part) + ": " + ok.error());
  }
  v->headers.emplace_back(field);
  ++added_headers_;
  return OPES_OK;
}

opes_status TransactionCore::advise(PartIndex part, std::int32_t advice) {
  PartVerdict* v = answerable(part, "advise");
  if (!v) return OPES_ERROR;
  if (!parts_[part].allow.advice) {
    return refuse("advise on " + part_label(part, v->part) +
                  ": the processor does not accept Advice for this part (draft §3.3.2)");
  }
  switch (advice) {
    case OPES_ADVICE_DISCARD:
      v->advice = Advice::Discard;
      return OPES_OK;
    case OPES_ADVICE_QUARANTINE:
      v->advice = Advice::Quarantine;
      return OPES_OK;
    default:
      return refuse("unknown advice value " + std::to_string(advice));
  }
}

}  // namespace opes::plugin_host::detail
