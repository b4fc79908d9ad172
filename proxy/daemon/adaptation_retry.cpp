// A transaction that the callout server never saw begins again on another
// connection. opes-callout ends a connection after a reload with CE 200
// once none of its transactions is open (RFC 4037 §11.2; docs/ocp-
// conformance.md "Reload"); a TS the proxy wrote meanwhile crosses that CE,
// and the link reports the transaction as retryable. Its command parts are
// kept until content flows, so nothing but a resend is needed.

#include "adaptation.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

/// One orderly CE per reload: more than this in a row means something else.
constexpr unsigned kMaxRetries = 3;

}  // namespace

bool Adaptation::take_retryable_end() {
  for (auto it = inbox_->events.begin(); it != inbox_->events.end(); ++it) {
    auto* finished = std::get_if<processor::TransactionFinished>(&*it);
    if (!finished || !finished->retryable) continue;
    inbox_->events.erase(it);
    if (!ended_) {
      ended_ = true;
      clients_.transaction_finished(*connection_);
    }
    return true;
  }
  return false;
}

boost::asio::awaitable<bool> Adaptation::resume_elsewhere() {
  if (answered_ || content_sent_ || retries_ >= kMaxRetries) co_return false;
  ++retries_;
  auto connection = co_await clients_.acquire();
  if (!connection || !connection->profile()) co_return false;
  // The parts sent so far, and the layout the message will be split by,
  // must mean the same on the new connection.
  auto layout = processor::ContentLayout::from_profile(*connection->profile());
  if (!layout || !(*connection->profile() == *connection_->profile())) co_return false;
  auto inbox = std::make_shared<TransactionInbox>(connection->executor());
  auto id = connection->begin(services_, meta_, inbox);
  if (!id) co_return false;
  connection_ = std::move(connection);
  id_ = *id;
  inbox_ = std::move(inbox);
  ended_ = false;
  clients_.transaction_started(*connection_);
  for (const auto& [part, payload] : commands_sent_) {
    if (auto sent = connection_->send(id_, part, payload, true); !sent) co_return false;
  }
  co_return true;
}

boost::asio::awaitable<std::optional<AdaptationFailure>> Adaptation::recover(
    std::string_view stage, std::string_view when) {
  const std::string old_server = connection_->address();
  if (co_await resume_elsewhere()) {
    log(LogLevel::info, "proxy.callout_resumed",
        {{"from", old_server},
         {"server", connection_->address()},
         {"xid", std::to_string(id_.value)},
         {"stage", std::string(stage)}});
    co_return std::nullopt;
  }
  if (!ended_) abort("could not resume the transaction");
  co_return AdaptationFailure{"the callout server ended the connection in order " +
                              std::string(when) + " and the transaction could not be resumed"};
}

}  // namespace opes::proxy
