#pragma once
// The OCP transaction of one SMTP mail transaction, as the session uses it:
// command parts sent and their answers awaited (smtp §3.3: the answer comes
// before the proxy replies to the client), content parts streamed, and the
// callout server's additions (Add-Header, Advice) collected on the way.

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "callout_clients.hpp"
#include "callout_connection.hpp"
#include "opes/processor/content_layout.hpp"
#include "opes/transaction/callout_transaction.hpp"

namespace opes::proxy {

/// The transaction library's CalloutTransaction over this thread's pooled
/// callout connections.
class Adaptation final : public CalloutTransaction {
 public:
  Adaptation(CalloutClients& clients, std::shared_ptr<CalloutConnection> connection,
             processor::TransactionId id, std::shared_ptr<TransactionInbox> inbox,
             processor::ContentLayout layout, std::vector<std::string> services = {},
             std::vector<ocp::smtp::AmOption> meta = {});
  ~Adaptation() override;
  Adaptation(const Adaptation&) = delete;
  Adaptation& operator=(const Adaptation&) = delete;

  /// TS/AMS on `connection` for `services`, with `meta` as AM-OPT.
  static ocp::Expected<std::unique_ptr<Adaptation>, AdaptationFailure> begin(
      CalloutClients& clients, std::shared_ptr<CalloutConnection> connection,
      const std::vector<std::string>& services, std::vector<ocp::smtp::AmOption> meta);

  /// Sends an informative or adaptive command part; for an adaptive one,
  /// waits for its answer. A part the profile does not carry answers nothing.
  boost::asio::awaitable<ocp::Expected<CommandAnswer, AdaptationFailure>> command(
      const ocp::smtp::AmPart& part, std::string payload) override;

  /// One piece of content, after waiting for room on the link.
  boost::asio::awaitable<ocp::Expected<void, AdaptationFailure>> send_content(
      const ocp::smtp::AmPart& part, std::string_view bytes, bool starts_instance) override;
  ocp::Expected<void, AdaptationFailure> end_original() override;

  /// The next content event (AnswerReceived, AdaptedEnded, TransactionFinished),
  /// without waiting; nullopt when none is there.
  std::optional<processor::LinkEvent> poll() override;
  /// Waits until an event is there.
  boost::asio::awaitable<void> wait() override;

  /// TE 200 (or 400 with `reason`); idempotent.
  void finish() override;
  void abort(std::string reason) override;
  bool ended() const override { return ended_; }

  const processor::ContentLayout& layout() const override { return layout_; }
  const std::string& server() const override { return connection_->address(); }
  std::uint32_t xid() const override { return id_.value; }

  /// Add-Header and Advice seen on any answer so far (smtp §3.3.4, §3.3.5).
  std::vector<ocp::smtp::HeaderField>& added_headers() override { return added_headers_; }
  std::optional<ocp::smtp::Advice> advice() const override { return advice_; }
  /// The service the callout server named on the latest SMTP-Error it sent
  /// (AM-OPT, ocp::smtp::kAmOptRefusingService); empty if none was named.
  const std::string& refusing_service() const override { return refusing_service_; }
  /// Records what an answer carries besides its octets.
  void note(const processor::AnswerReceived& answer) override;

 private:
  // adaptation_retry.cpp: a transaction whose TS crossed the callout
  // server's orderly CE (a reload, RFC 4037 §11.2) begins again elsewhere.
  /// Takes a retryable TransactionFinished out of the inbox, if one is there.
  bool take_retryable_end();
  /// Begins the transaction again on a fresh connection and resends its
  /// command parts; false when it cannot (an answer was applied, content
  /// was sent, the profile differs, or no server answers).
  boost::asio::awaitable<bool> resume_elsewhere();
  /// After a retryable end: resumed, or the failure to report.
  boost::asio::awaitable<std::optional<AdaptationFailure>> recover(std::string_view stage,
                                                                   std::string_view reason);

  CalloutClients& clients_;
  std::shared_ptr<CalloutConnection> connection_;
  processor::TransactionId id_;
  std::shared_ptr<TransactionInbox> inbox_;
  processor::ContentLayout layout_;
  std::vector<ocp::smtp::HeaderField> added_headers_;
  std::optional<ocp::smtp::Advice> advice_;
  std::string refusing_service_;
  bool ended_ = false;
  // What a retry needs (resume_elsewhere).
  std::vector<std::string> services_;
  std::vector<ocp::smtp::AmOption> meta_;
  std::vector<std::pair<ocp::smtp::AmPart, std::string>> commands_sent_;
  bool answered_ = false;
  bool content_sent_ = false;
  unsigned retries_ = 0;
};

/// The transaction library's CalloutSource: a connection from this thread's
/// pool (CalloutClients), on which Adaptation::begin() starts a transaction.
class PooledCalloutSource final : public CalloutSource {
 public:
  explicit PooledCalloutSource(CalloutClients& clients) : clients_(clients) {}
  boost::asio::awaitable<std::unique_ptr<Connection>> acquire() override;

 private:
  CalloutClients& clients_;
};

}  // namespace opes::proxy
