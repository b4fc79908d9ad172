#include "opes/transaction/message_flow.hpp"

#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

constexpr std::size_t kCopyChunk = std::size_t{64} << 10;

std::string result_text(const ocp::Result& result) {
  return std::to_string(result.code) + (result.reason ? " " + *result.reason : std::string());
}

}  // namespace

ocp::smtp::Reply local_error_reply() {
  return {451, {"4.3.0 Local error in processing, try again later"}};
}

MessageFlow::MessageFlow(CalloutTransaction* adaptation, processor::HeaderInsertion insertion,
                         MessageFlowSettings settings)
    : adaptation_(adaptation),
      insertion_(std::move(insertion)),
      settings_(std::move(settings)),
      output_(settings_.spill_directory, settings_.memory_buffer),
      original_(settings_.spill_directory, settings_.memory_buffer) {
  if (adaptation_) {
    processor::SplitterLimits splitter_limits;
    splitter_limits.max_header_section = settings_.max_header_section;
    splitter_.emplace(adaptation_->layout(), splitter_limits);
    processor::AssemblerLimits assembler_limits;
    assembler_limits.spill_memory = settings_.memory_buffer;
    assembler_.emplace(adaptation_->layout(), assembler_limits, settings_.spill_directory);
  }
}

void MessageFlow::fail(std::string reason) {
  if (!failure_) failure_ = std::move(reason);
}

void MessageFlow::fail_local(ocp::smtp::Reply reply, std::string reason) {
  if (failure_) return;
  failure_ = std::move(reason);
  local_failure_ = std::move(reply);
}

void MessageFlow::fail(const processor::ContentError& error) {
  using Kind = processor::ContentError::Kind;
  if (error.kind == Kind::limit_exceeded) {
    // RFC 5321 §4.2.5 / RFC 3463 5.3.4: too big for this system, do not
    // retry; the reply names the limit.
    fail_local({552, {"5.3.4 Message header too large for this system: " + error.reason}},
               error.reason);
  } else if (error.kind == Kind::spill_failed) {
    fail_local(local_error_reply(), error.reason);
  } else {
    fail(error.reason);
  }
}


void MessageFlow::emit(std::string_view octets) {
  if (failure_) return;
  if (!prepender_) {
    processor::HeaderInsertion insertion = insertion_;
    if (adaptation_) {
      for (const auto& field : adaptation_->added_headers()) insertion.added.push_back(field);
      adaptation_->added_headers().clear();
    }
    processor::PrependerLimits limits;
    limits.max_header_section = settings_.max_header_section;
    prepender_.emplace(std::move(insertion), limits);
  }
  if (auto fed = prepender_->feed(octets); !fed) {
    // Over max_header_section with the proxy's fields and the callout
    // server's changes: a limit of the path, so the message's (552), never
    // a callout failure that a retry could mend.
    return fail(fed.error());
  }
  if (auto appended = output_.append(prepender_->take_output()); !appended)
    return fail_local(local_error_reply(), appended.error().reason);
  if (header_section_.empty() && prepender_->header_section_done())
    header_section_ = prepender_->header_section();
}

void MessageFlow::take_events() {
  if (!adaptation_) return;
  while (auto event = adaptation_->poll()) {
    if (auto* answer = std::get_if<processor::AnswerReceived>(&*event)) {
      if (prepender_ && !answer->add_header.empty()) {
        // The header section has gone into the output already; the draft
        // gives no way to add to it afterwards (docs/ocp-conformance.md).
        log(LogLevel::warning, "proxy.late_add_header",
            {{"server", adaptation_->server()},
             {"xid", std::to_string(adaptation_->xid())},
             {"field", answer->add_header.front().name}});
        answer->add_header.clear();
      }
      adaptation_->note(*answer);
      if (answer->smtp_error) {
        if (!rejection_) {
          rejection_ = answer->smtp_error;
          rejection_service_ = adaptation_->refusing_service();
        }
        continue;
      }
      if (rejection_ || failure_) continue;
      if (auto added = assembler_->add_answer(answer->part, answer->bytes.view(),
                                              answer->starts_instance);
          !added) {
        // A bad answer is the callout server's failure; a full disk is ours.
        if (added.error().kind == processor::ContentError::Kind::spill_failed) {
          fail(added.error());
        } else {
          fail("answer: " + added.error().reason);
        }
      }
    } else if (auto* ended = std::get_if<processor::AdaptedEnded>(&*event)) {
      adapted_ended_ = true;
      if (ended->result.effective_code() != ocp::Result::kOk) {
        fail("the callout server ended its message with " + result_text(ended->result));
      } else if (!rejection_ && !failure_) {
        if (auto done = assembler_->answers_finished(); !done) fail(done.error());
      }
    } else if (auto* finished = std::get_if<processor::TransactionFinished>(&*event)) {
      transaction_finished_ = true;
      const bool ok = finished->by_server &&
                      finished->result.effective_code() == ocp::Result::kOk;
      if (!ok && finished->smtp_error) {
        // A limit of the callout server that no answer could carry: the
        // message's permanent refusal, not a callout failure.
        fail_local(*finished->smtp_error, finished->reason);
      } else if (!ok) {
        fail(finished->reason.empty() ? "transaction ended with " + result_text(finished->result)
                                      : finished->reason);
      } else if (!adapted_ended_ && !rejection_) {
        fail("the callout server ended the transaction before its message");
      }
    }
  }
}

void MessageFlow::drain_assembler() {
  if (!assembler_ || failure_ || rejection_) return;
  for (;;) {
    auto output = assembler_->take_output();
    if (!output) return fail(output.error());
    if (output->empty()) return;
    emit(*output);
  }
}

boost::asio::awaitable<void> MessageFlow::feed(std::string_view chunk) {
  if (settings_.keep_original) {
    if (auto kept = original_.append(chunk); !kept) fail_local(local_error_reply(), kept.error().reason);
  }
  if (failure_ || rejection_) co_return;
  if (!adaptation_) {
    emit(chunk);
    co_return;
  }
  if (auto fed = splitter_->feed(chunk); !fed) {
    fail(fed.error());
    co_return;
  }
  while (auto piece = splitter_->next_piece()) {
    if (auto noted = assembler_->note_original(*piece); !noted) {
      fail(noted.error());
      co_return;
    }
    if (piece->part) {
      auto sent = co_await adaptation_->send_content(*piece->part, piece->bytes,
                                                     piece->starts_instance);
      if (!sent) {
        fail(sent.error().reason);
        co_return;
      }
    }
  }
  take_events();
  drain_assembler();
}

MessageOutcome MessageFlow::failed_outcome() const {
  if (local_failure_) return {MessageOutcome::Kind::local_error, local_failure_, *failure_, {}};
  return {MessageOutcome::Kind::failed, std::nullopt, *failure_, {}};
}

boost::asio::awaitable<MessageOutcome> MessageFlow::finish() {
  if (adaptation_ && !failure_ && !rejection_) {
    if (auto finished = splitter_->finish(); !finished) fail(finished.error());
    while (!failure_) {
      auto piece = splitter_->next_piece();
      if (!piece) break;
      if (auto noted = assembler_->note_original(*piece); !noted) fail(noted.error());
      if (piece->part && !failure_) {
        auto sent = co_await adaptation_->send_content(*piece->part, piece->bytes,
                                                       piece->starts_instance);
        if (!sent) fail(sent.error().reason);
      }
    }
    if (!failure_) {
      if (auto done = assembler_->original_finished(); !done) fail(done.error());
    }
    if (!failure_) {
      if (auto ended = adaptation_->end_original(); !ended) fail(ended.error().reason);
    }
  }
  if (adaptation_) {
    // The answers, the callout server's AME and TE. The link bounds the
    // wait (LinkTimeouts::content_answer) and ends the transaction itself.
    while (!transaction_finished_ && !failure_ && !adaptation_->ended()) {
      take_events();
      drain_assembler();
      if (transaction_finished_ || failure_) break;
      co_await adaptation_->wait();
    }
    take_events();
    drain_assembler();
  }
  if (failure_) co_return failed_outcome();
  if (rejection_) co_return MessageOutcome{MessageOutcome::Kind::reject, rejection_, {}, rejection_service_};
  emit("");  // a message with no content still gets the proxy's fields
  if (auto finished = prepender_->finish(); !finished) fail(finished.error());
  if (!failure_) {
    if (auto appended = output_.append(prepender_->take_output()); !appended)
      fail_local(local_error_reply(), appended.error().reason);
    if (header_section_.empty()) header_section_ = prepender_->header_section();
  }
  if (failure_) co_return failed_outcome();
  if (adaptation_ && adaptation_->advice()) {
    co_return MessageOutcome{*adaptation_->advice() == ocp::smtp::Advice::discard
                                 ? MessageOutcome::Kind::discard
                                 : MessageOutcome::Kind::quarantine,
                             std::nullopt,
                             {},
                             {}};
  }
  co_return MessageOutcome{};
}

ocp::Expected<void, std::string> MessageFlow::use_original() {
  output_ = processor::SpillBuffer(settings_.spill_directory, settings_.memory_buffer);
  processor::HeaderInsertion insertion;
  insertion.received = insertion_.received;
  processor::PrependerLimits limits;
  limits.max_header_section = settings_.max_header_section;
  processor::HeaderPrepender prepender(std::move(insertion), limits);
  for (;;) {
    auto chunk = original_.read(kCopyChunk);
    if (!chunk) return ocp::unexpected(chunk.error().reason);
    if (chunk->empty()) break;
    if (auto fed = prepender.feed(*chunk); !fed) return ocp::unexpected(fed.error().reason);
    if (auto appended = output_.append(prepender.take_output()); !appended)
      return ocp::unexpected(appended.error().reason);
  }
  if (auto finished = prepender.finish(); !finished) return ocp::unexpected(finished.error().reason);
  if (auto appended = output_.append(prepender.take_output()); !appended)
    return ocp::unexpected(appended.error().reason);
  header_section_ = prepender.header_section();
  return {};
}

}  // namespace opes::proxy
