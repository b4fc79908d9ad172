// The hold queue's clock: a message held past odmr.max_hold bounces (RFC
// 3464 Action: failed, Status 4.4.7 "delivery time expired", RFC 3463
// §3.5), and with odmr.delay_warning one past that gets a delay DSN once
// (Action: delayed), as Postfix's bounce(8) does with
// maximal_queue_lifetime and delay_warning_time.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon_state.hpp"
#include "odmr_release.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy::daemon {

namespace {

namespace asio = boost::asio;
using support::log;
using support::LogLevel;

/// Entries handled per sweep and kind; the rest wait for the next sweep.
constexpr std::size_t kEntriesPerSweep = 1000;

std::vector<smtp::DsnRecipient> every_recipient(const queue::HeldRecord& entry, smtp::DsnAction action,
                                                std::string status, std::string diagnostic) {
  std::vector<smtp::DsnRecipient> recipients;
  for (const queue::HeldRecipient& held : entry.recipients) {
    smtp::DsnRecipient recipient;
    recipient.address = held.address;
    recipient.dsn_parameters = held.dsn;
    recipient.action = action;
    recipient.status = status;
    recipient.diagnostic = diagnostic;
    recipients.push_back(std::move(recipient));
  }
  return recipients;
}

/// True when the notice went (or none was due: null sender, NOTIFY).
asio::awaitable<bool> notify(GatewayContext& context, const queue::HeldRecord& entry,
                             std::vector<smtp::DsnRecipient> recipients, const std::string& content,
                             std::string explanation, std::optional<queue::Clock::time_point> retry_until) {
  smtp::DsnRequest request = dsn_request(context.config, entry, std::move(recipients), content,
                                         std::move(explanation));
  request.retry_until = retry_until;
  auto dsn = smtp::make_dsn(request);
  if (!dsn) co_return true;
  ocp::smtp::Reply sent = co_await send_dsn(context, *dsn);
  if (!sent.is_positive()) {
    log(LogLevel::warning, "odmr.dsn_failed",
        {{"entry", entry.id}, {"sender", entry.sender}, {"reply", sent.text()}});
  }
  co_return sent.is_positive();
}

asio::awaitable<void> sweep_once(GatewayContext& context, queue::HoldStore& store) {
  const OdmrSettings& settings = *context.config.odmr;
  const auto now = queue::Clock::now();
  for (queue::HeldRecord& entry : store.lease_received_before(now - settings.max_hold, kEntriesPerSweep, false)) {
    auto content = store.content(entry);
    const std::string text = content ? *content : std::string();
    const bool told = co_await notify(
        context, entry,
        every_recipient(entry, smtp::DsnAction::failed, "4.4.7",
                        "held for ODMR longer than " + std::to_string(settings.max_hold.count()) + " seconds"),
        text, "The message was held for its domain's ODMR customer, who did not ask for it in time.",
        std::nullopt);
    if (!told) {
      (void)store.release(entry, false);
      continue;
    }
    log(LogLevel::info, "odmr.expired", {{"entry", entry.id}, {"domain", entry.domain}, {"sender", entry.sender}});
    if (auto removed = store.acknowledge(entry); !removed)
      log(LogLevel::error, "odmr.acknowledge_failed", {{"entry", entry.id}, {"cause", removed.error()}});
  }
  if (settings.delay_warning.count() == 0) co_return;
  for (queue::HeldRecord& entry :
       store.lease_received_before(now - settings.delay_warning, kEntriesPerSweep, true)) {
    auto content = store.content(entry);
    const std::string text = content ? *content : std::string();
    const auto until = entry.received + settings.max_hold;
    const bool told = co_await notify(
        context, entry,
        every_recipient(entry, smtp::DsnAction::delayed, "4.4.7", "held for the domain's ODMR customer"),
        text, "The message is held for its domain's ODMR customer, who has not asked for it yet.", until);
    (void)store.release(entry, false, told);
  }
}

}  // namespace

asio::awaitable<void> sweep_hold_queue(DaemonState& state) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!state.stopping) {
    std::shared_ptr<GatewayContext> context = state.workers.front().current->session_context();
    const Seconds interval = context->config.odmr ? context->config.odmr->sweep_interval : Seconds(60);
    if (context->config.odmr && state.odmr) co_await sweep_once(*context, *state.odmr->store);
    context.reset();
    timer.expires_after(interval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace opes::proxy::daemon
