#pragma once
// A scripted callout server for the transaction's unit tests: it answers
// command parts from a table, records what it was sent, and hands out
// content events in stages (the first at end_original, each further one
// when the transaction waits), so that an answer can come after the
// message's header section has gone out.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "opes/transaction/callout_transaction.hpp"

namespace opes::proxy::testing {

/// What the fake was asked, across every transaction it began.
struct CalloutRecord {
  std::vector<std::vector<std::string>> begins;  // the services of each TS
  std::vector<ocp::smtp::AmOption> meta;         // of the last TS
  std::vector<std::string> commands;             // "TOKEN payload"
  std::string content;                           // every content octet sent
  bool ended_original = false;
  bool finished = false;  // TE 200
  std::string aborted;    // TE 400 reason; "" none
};

struct CalloutScript {
  bool unreachable = false;  // acquire() finds no server
  /// begin() refuses a TS naming fewer services than this (a bypass subset
  /// the server cannot take); 0: never.
  std::size_t refuse_fewer_than = 0;
  /// Answers by part token ("MAIL", "RCPT"); a token not listed is taken as
  /// it is (an answer without change).
  std::map<std::string, ocp::Expected<CommandAnswer, AdaptationFailure>> answers;
  /// The content events, by stage, made from the content the fake got;
  /// none: the fake echoes the content, then AME and TE 200.
  std::function<std::vector<std::vector<processor::LinkEvent>>(const std::string& content)> at_end;
};

/// An answer to RAWDATA carrying `bytes`.
inline processor::AnswerReceived rawdata_answer(std::string bytes, bool starts_instance = true) {
  return processor::AnswerReceived{{},
                                   ocp::smtp::AmPart::rawdata,
                                   ocp::SharedBytes::adopt(std::move(bytes)),
                                   starts_instance,
                                   false,
                                   std::nullopt,
                                   std::nullopt,
                                   {},
                                   {}};
}

inline processor::AdaptedEnded adapted_ended() {
  return {{}, ocp::Result::ok()};
}

inline processor::TransactionFinished finished_by_server() {
  processor::TransactionFinished finished;
  finished.result = ocp::Result::ok();
  finished.by_server = true;
  return finished;
}

/// The link gave up on the transaction (a timeout, a lost connection).
inline processor::TransactionFinished finished_by_link(std::string reason) {
  processor::TransactionFinished finished;
  finished.result = ocp::Result::failure(reason);
  finished.reason = std::move(reason);
  return finished;
}

class FakeCalloutTransaction final : public CalloutTransaction {
 public:
  FakeCalloutTransaction(const CalloutScript& script, CalloutRecord& record)
      : script_(script), record_(record) {
    ocp::smtp::SmtpProfile profile;
    profile.adaptive_parts = {ocp::smtp::AmPart::rawdata};
    layout_ = *processor::ContentLayout::from_profile(profile);
  }

  boost::asio::awaitable<ocp::Expected<CommandAnswer, AdaptationFailure>> command(
      const ocp::smtp::AmPart& part, std::string payload) override {
    record_.commands.push_back(std::string(part.token()) + " " + payload);
    if (ended_) co_return ocp::unexpected(AdaptationFailure{"the OCP transaction has ended"});
    const auto it = script_.answers.find(std::string(part.token()));
    if (it == script_.answers.end()) co_return CommandAnswer{};
    if (it->second && it->second->smtp_error) refusing_service_ = "fake-service";
    co_return it->second;
  }

  boost::asio::awaitable<ocp::Expected<void, AdaptationFailure>> send_content(
      const ocp::smtp::AmPart& /*part*/, std::string_view bytes, bool /*starts*/) override {
    if (ended_) co_return ocp::unexpected(AdaptationFailure{"the OCP transaction has ended"});
    record_.content += bytes;
    co_return ocp::Expected<void, AdaptationFailure>{};
  }

  ocp::Expected<void, AdaptationFailure> end_original() override {
    if (ended_) return ocp::unexpected(AdaptationFailure{"the OCP transaction has ended"});
    record_.ended_original = true;
    if (script_.at_end) {
      stages_ = script_.at_end(record_.content);
    } else {
      stages_ = {{rawdata_answer(record_.content), adapted_ended(), finished_by_server()}};
    }
    next_stage();
    return {};
  }

  std::optional<processor::LinkEvent> poll() override {
    if (events_.empty()) return std::nullopt;
    processor::LinkEvent event = std::move(events_.front());
    events_.erase(events_.begin());
    if (std::holds_alternative<processor::TransactionFinished>(event)) ended_ = true;
    return event;
  }

  boost::asio::awaitable<void> wait() override {
    if (!events_.empty()) co_return;
    // Never hangs: with nothing left to say the link ends the transaction,
    // as its answer timeout would.
    if (!next_stage()) events_.push_back(finished_by_link("fake: nothing more scripted"));
  }

  void finish() override {
    if (ended_) return;
    ended_ = true;
    record_.finished = true;
  }
  void abort(std::string reason) override {
    if (ended_) return;
    ended_ = true;
    record_.aborted = std::move(reason);
  }
  bool ended() const override { return ended_; }

  const processor::ContentLayout& layout() const override { return layout_; }
  const std::string& server() const override { return server_; }
  std::uint32_t xid() const override { return 1; }

  std::vector<ocp::smtp::HeaderField>& added_headers() override { return added_headers_; }
  std::optional<ocp::smtp::Advice> advice() const override { return advice_; }
  const std::string& refusing_service() const override { return refusing_service_; }
  void note(const processor::AnswerReceived& answer) override {
    for (const auto& field : answer.add_header) added_headers_.push_back(field);
    if (answer.advice) advice_ = answer.advice;
    if (answer.smtp_error) refusing_service_ = "fake-service";
  }

 private:
  bool next_stage() {
    if (stages_.empty()) return false;
    for (auto& event : stages_.front()) events_.push_back(std::move(event));
    stages_.erase(stages_.begin());
    return true;
  }

  const CalloutScript& script_;
  CalloutRecord& record_;
  processor::ContentLayout layout_;
  std::string server_ = "fake-callout:11344";
  std::vector<std::vector<processor::LinkEvent>> stages_;
  std::vector<processor::LinkEvent> events_;
  std::vector<ocp::smtp::HeaderField> added_headers_;
  std::optional<ocp::smtp::Advice> advice_;
  std::string refusing_service_;
  bool ended_ = false;
};

class FakeCalloutSource final : public CalloutSource {
 public:
  CalloutScript script;
  CalloutRecord record;

  boost::asio::awaitable<std::unique_ptr<Connection>> acquire() override {
    if (script.unreachable) co_return nullptr;
    co_return std::make_unique<FakeConnection>(*this);
  }

 private:
  class FakeConnection final : public Connection {
   public:
    explicit FakeConnection(FakeCalloutSource& source) : source_(source) {}
    ocp::Expected<std::unique_ptr<CalloutTransaction>, AdaptationFailure> begin(
        const std::vector<std::string>& services, std::vector<ocp::smtp::AmOption> meta) override {
      source_.record.begins.push_back(services);
      source_.record.meta = std::move(meta);
      if (services.size() < source_.script.refuse_fewer_than)
        return ocp::unexpected(AdaptationFailure{"fake: no room for another service group"});
      return std::unique_ptr<CalloutTransaction>(
          std::make_unique<FakeCalloutTransaction>(source_.script, source_.record));
    }

   private:
    FakeCalloutSource& source_;
  };
};

}  // namespace opes::proxy::testing
