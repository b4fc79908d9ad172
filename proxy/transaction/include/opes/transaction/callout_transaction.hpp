#pragma once
// The OCP side of one mail transaction, as the transaction uses it: command
// parts sent and their answers awaited (smtp §3.3: the answer comes before
// the proxy replies to the client), content parts streamed, and the callout
// server's additions (Add-Header, Advice) collected on the way. An
// interface, so that the transaction runs over the daemon's Asio callout
// connections (Adaptation) or over a scripted fake in the unit tests.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/advice.hpp"
#include "ocp/smtp/am_option.hpp"
#include "ocp/smtp/header_field.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/processor/content_layout.hpp"
#include "opes/processor/link_events.hpp"

namespace opes::proxy {

/// The callout server's word on a command part.
struct CommandAnswer {
  std::optional<ocp::smtp::Reply> smtp_error;  // answer the command with this
  std::optional<std::string> changed;          // the new argument payload
};

/// Why adaptation cannot go on (the failure policy decides what follows).
struct AdaptationFailure {
  std::string reason;
};

class CalloutTransaction {
 public:
  virtual ~CalloutTransaction() = default;

  /// Sends an informative or adaptive command part; for an adaptive one,
  /// waits for its answer. A part the profile does not carry answers nothing.
  virtual boost::asio::awaitable<ocp::Expected<CommandAnswer, AdaptationFailure>> command(
      const ocp::smtp::AmPart& part, std::string payload) = 0;

  /// One piece of content, after waiting for room on the link.
  virtual boost::asio::awaitable<ocp::Expected<void, AdaptationFailure>> send_content(
      const ocp::smtp::AmPart& part, std::string_view bytes, bool starts_instance) = 0;
  virtual ocp::Expected<void, AdaptationFailure> end_original() = 0;

  /// The next content event (AnswerReceived, AdaptedEnded, TransactionFinished),
  /// without waiting; nullopt when none is there.
  virtual std::optional<processor::LinkEvent> poll() = 0;
  /// Waits until an event is there.
  virtual boost::asio::awaitable<void> wait() = 0;

  /// TE 200 (or 400 with `reason`); idempotent.
  virtual void finish() = 0;
  virtual void abort(std::string reason) = 0;
  virtual bool ended() const = 0;

  virtual const processor::ContentLayout& layout() const = 0;
  /// The callout server's address, for logs.
  virtual const std::string& server() const = 0;
  virtual std::uint32_t xid() const = 0;

  /// Add-Header and Advice seen on any answer so far (smtp §3.3.4, §3.3.5).
  virtual std::vector<ocp::smtp::HeaderField>& added_headers() = 0;
  virtual std::optional<ocp::smtp::Advice> advice() const = 0;
  /// The service the callout server named on the latest SMTP-Error it sent
  /// (AM-OPT, ocp::smtp::kAmOptRefusingService); empty if none was named.
  virtual const std::string& refusing_service() const = 0;
  /// Records what an answer carries besides its octets.
  virtual void note(const processor::AnswerReceived& answer) = 0;
};

/// Where a transaction gets its callout server from.
class CalloutSource {
 public:
  /// One connection to a callout server, ready for a new OCP transaction.
  class Connection {
   public:
    virtual ~Connection() = default;
    /// TS/AMS for `services`, with `meta` as AM-OPT. May be called again
    /// after a failure (a bypass subset the server cannot take).
    virtual ocp::Expected<std::unique_ptr<CalloutTransaction>, AdaptationFailure> begin(
        const std::vector<std::string>& services, std::vector<ocp::smtp::AmOption> meta) = 0;
  };

  virtual ~CalloutSource() = default;
  /// A connection for a new transaction; nullptr when no callout server
  /// answered (the pool bounds the wait).
  virtual boost::asio::awaitable<std::unique_ptr<Connection>> acquire() = 0;
};

}  // namespace opes::proxy
