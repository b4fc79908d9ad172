#include "adaptation.hpp"

namespace opes::proxy {

namespace {

class PooledConnection final : public CalloutSource::Connection {
 public:
  PooledConnection(CalloutClients& clients, std::shared_ptr<CalloutConnection> connection)
      : clients_(clients), connection_(std::move(connection)) {}

  ocp::Expected<std::unique_ptr<CalloutTransaction>, AdaptationFailure> begin(
      const std::vector<std::string>& services, std::vector<ocp::smtp::AmOption> meta) override {
    auto begun = Adaptation::begin(clients_, connection_, services, std::move(meta));
    if (!begun) return ocp::unexpected(std::move(begun.error()));
    return std::unique_ptr<CalloutTransaction>(std::move(*begun));
  }

 private:
  CalloutClients& clients_;
  std::shared_ptr<CalloutConnection> connection_;
};

AdaptationFailure failure(const processor::LinkError& error) {
  return AdaptationFailure{std::string(processor::to_string(error.code)) + ": " + error.reason};
}

}  // namespace

Adaptation::Adaptation(CalloutClients& clients, std::shared_ptr<CalloutConnection> connection,
                       processor::TransactionId id, std::shared_ptr<TransactionInbox> inbox,
                       processor::ContentLayout layout, std::vector<std::string> services,
                       std::vector<ocp::smtp::AmOption> meta)
    : clients_(clients),
      connection_(std::move(connection)),
      id_(id),
      inbox_(std::move(inbox)),
      layout_(layout),
      services_(std::move(services)),
      meta_(std::move(meta)) {
  clients_.transaction_started(*connection_);
}

Adaptation::~Adaptation() { abort("the SMTP transaction ended"); }

ocp::Expected<std::unique_ptr<Adaptation>, AdaptationFailure> Adaptation::begin(
    CalloutClients& clients, std::shared_ptr<CalloutConnection> connection,
    const std::vector<std::string>& services, std::vector<ocp::smtp::AmOption> meta) {
  const auto& profile = connection->profile();
  if (!profile) return ocp::unexpected(AdaptationFailure{"the link has no profile"});
  auto layout = processor::ContentLayout::from_profile(*profile);
  if (!layout) return ocp::unexpected(AdaptationFailure{layout.error().reason});
  auto inbox = std::make_shared<TransactionInbox>(connection->executor());
  auto id = connection->begin(services, meta, inbox);
  if (!id) return ocp::unexpected(failure(id.error()));
  return std::make_unique<Adaptation>(clients, std::move(connection), *id, std::move(inbox),
                                      *layout, services, std::move(meta));
}

boost::asio::awaitable<std::unique_ptr<CalloutSource::Connection>> PooledCalloutSource::acquire() {
  auto connection = co_await clients_.acquire();
  if (!connection) co_return nullptr;
  co_return std::make_unique<PooledConnection>(clients_, std::move(connection));
}

void Adaptation::note(const processor::AnswerReceived& answer) {
  answered_ = true;
  for (const auto& field : answer.add_header) added_headers_.push_back(field);
  if (answer.advice) advice_ = answer.advice;
  if (answer.smtp_error) {
    const auto* named = ocp::smtp::find_am_option(answer.meta, ocp::smtp::kAmOptRefusingService);
    // The callout server's text goes into our log only as a field value,
    // which the logger quotes and escapes; bounded all the same.
    refusing_service_ = named ? named->value.substr(0, 128) : std::string();
  }
}

boost::asio::awaitable<ocp::Expected<CommandAnswer, AdaptationFailure>> Adaptation::command(
    const ocp::smtp::AmPart& part, std::string payload) {
  if (take_retryable_end()) {
    if (auto failed = co_await recover(part.token(), "before the part was sent"))
      co_return ocp::unexpected(std::move(*failed));
  }
  if (ended_) co_return ocp::unexpected(AdaptationFailure{"the OCP transaction has ended"});
  commands_sent_.emplace_back(part, payload);
  auto sent = connection_->send(id_, part, payload, true);
  if (!sent) co_return ocp::unexpected(failure(sent.error()));
  if (*sent != processor::PartDisposition::adaptive) co_return CommandAnswer{};
  for (;;) {
    if (take_retryable_end()) {
      // The part was resent with the others on the fresh connection.
      if (auto failed = co_await recover(part.token(), "while the answer was awaited"))
        co_return ocp::unexpected(std::move(*failed));
    }
    while (!inbox_->events.empty()) {
      processor::LinkEvent event = std::move(inbox_->events.front());
      inbox_->events.pop_front();
      if (auto* answer = std::get_if<processor::AnswerReceived>(&event)) {
        note(*answer);
        CommandAnswer result;
        if (answer->smtp_error) {
          result.smtp_error = answer->smtp_error;
        } else if (!answer->as_is) {
          result.changed = std::string(answer->bytes.view());
        }
        co_return result;
      }
      if (auto* finished = std::get_if<processor::TransactionFinished>(&event)) {
        ended_ = true;
        clients_.transaction_finished(*connection_);
        co_return ocp::unexpected(AdaptationFailure{
            "the transaction ended before the " + std::string(part.token()) +
            " answer: " + finished->reason});
      }
    }
    co_await inbox_->signal.wait();
  }
}

boost::asio::awaitable<ocp::Expected<void, AdaptationFailure>> Adaptation::send_content(
    const ocp::smtp::AmPart& part, std::string_view bytes, bool starts_instance) {
  if (take_retryable_end()) {
    if (auto failed = co_await recover(part.token(), "before the content was sent"))
      co_return ocp::unexpected(std::move(*failed));
  }
  if (ended_) co_return ocp::unexpected(AdaptationFailure{"the OCP transaction has ended"});
  co_await connection_->wait_writable();
  content_sent_ = true;
  auto sent = connection_->send(id_, part, bytes, starts_instance);
  if (!sent) co_return ocp::unexpected(failure(sent.error()));
  co_return ocp::Expected<void, AdaptationFailure>{};
}

ocp::Expected<void, AdaptationFailure> Adaptation::end_original() {
  if (ended_) return ocp::unexpected(AdaptationFailure{"the OCP transaction has ended"});
  auto ended = connection_->end_original(id_);
  if (!ended) return ocp::unexpected(failure(ended.error()));
  return {};
}

std::optional<processor::LinkEvent> Adaptation::poll() {
  if (inbox_->events.empty()) return std::nullopt;
  processor::LinkEvent event = std::move(inbox_->events.front());
  inbox_->events.pop_front();
  if (std::holds_alternative<processor::TransactionFinished>(event) && !ended_) {
    ended_ = true;
    clients_.transaction_finished(*connection_);
  }
  return event;
}

boost::asio::awaitable<void> Adaptation::wait() {
  if (inbox_->events.empty()) co_await inbox_->signal.wait();
}

void Adaptation::finish() {
  if (ended_) return;
  ended_ = true;
  connection_->finish(id_);
  clients_.transaction_finished(*connection_);
}

void Adaptation::abort(std::string reason) {
  if (ended_) return;
  ended_ = true;
  connection_->finish(id_, true, std::move(reason));
  clients_.transaction_finished(*connection_);
}

}  // namespace opes::proxy
