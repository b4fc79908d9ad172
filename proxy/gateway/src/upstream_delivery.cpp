// Delivery to the upstream MTA over SMTP (RFC 5321 as a client): a
// connection opened at the first MAIL, STARTTLS as configured (RFC 3207,
// modes named after RFC 7435), the client's identity by XCLIENT/XFORWARD,
// used for the session's transactions, then kept idle in a DeliveryCache
// for the thread's next client session. The dialogue is smtp::ClientCore's
// (driven by SmtpClientSession); this decides what to say and what a reply
// means for the client. Where the upstream offers PIPELINING (RFC 2920),
// XFORWARD goes in one group with its MAIL (docs/ocp-conformance.md).

#include <algorithm>
#include <optional>

#include "opes/proxy/delivery.hpp"
#include "opes/proxy/smtp_client_session.hpp"
#include "opes/smtp/client_core.hpp"
#include "opes/smtp/client_forwarding.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;
using smtp::ClientStep;

/// Message content is written in batches of this size.
constexpr std::size_t kWriteBatch = std::size_t{64} << 10;

/// Why the upstream dialogue cannot go on; a 4yz for the client.
using Failure = std::string;
template <class T>
using Outcome = ocp::Expected<T, Failure>;
using Done = Outcome<void>;

Done done() { return {}; }
ocp::Unexpected<Failure> failure(std::string reason) { return ocp::unexpected(std::move(reason)); }

class UpstreamDelivery final : public Delivery {
 public:
  UpstreamDelivery(const Upstream& upstream, TlsContext tls, std::string helo_name)
      : upstream_(upstream), tls_(std::move(tls)), helo_name_(std::move(helo_name)) {}
  /// HOST: the session's own upstream, on a connection made for it.
  UpstreamDelivery(std::unique_ptr<const Upstream> owned, TlsContext tls, std::string helo_name)
      : owned_(std::move(owned)), upstream_(*owned_), tls_(std::move(tls)), helo_name_(std::move(helo_name)) {}

  /// HOST: reads the greeting on `stream`; EHLO and STARTTLS follow at
  /// the first MAIL, so what the client is told first is the server's own
  /// greeting (draft-khanna-proxy-mail-protocols-00 §4).
  asio::awaitable<Outcome<Reply>> adopt(MailStream stream, std::string_view already_read) {
    session_.emplace(std::move(stream), session_settings(), already_read);
    auto greeting = co_await reply_to(ClientStep::greeting);
    if (!greeting) {
      drop();
      co_return failure(greeting.error());
    }
    hello_pending_ = greeting->code == 220;
    co_return greeting;
  }

  asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) override {
    bool reused = std::exchange(reused_, false) && session_;
    if (session_ && xclient_for_another()) {
      // XCLIENT_README Note 1: once ADDR is set, the server judges a new
      // XCLIENT by the forwarded client; another client needs a fresh
      // connection.
      drop();
      reused = false;
    }
    if (session_ && std::exchange(hello_pending_, false)) {
      // The server may have closed while the client took its time: then a
      // new connection to the same checked address.
      if (auto greeted = co_await after_greeting(false); !greeted) drop();
    }
    if (!session_) {
      if (auto connected = co_await connect(); !connected) co_return fail(connected.error());
    }
    in_transaction_ = true;
    std::optional<Reply> local;  // refused here, never sent (SMTPUTF8)
    auto reply = co_await send_mail(reverse_path, local);
    // RFC 5321 §3.8: a server closing an idle connection says 421 first.
    const bool stale = reused && (!reply || reply->code == 421);
    if (stale) {
      drop();
      if (auto connected = co_await connect(); !connected) co_return fail(connected.error());
      in_transaction_ = true;
      reply = co_await send_mail(reverse_path, local);
    }
    if (local) {
      in_transaction_ = false;
      co_return *local;
    }
    if (!reply) co_return fail(reply.error());
    if (!reply->is_positive()) in_transaction_ = false;
    co_return *reply;
  }

  asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) override {
    if (!session_) co_return fail("not connected");
    if (auto queued = session_->core().rcpt(forward_path); !queued) co_return fail(queued.error().reason);
    auto reply = co_await reply_to(ClientStep::rcpt);
    if (!reply) co_return fail(reply.error());
    co_return *reply;
  }

  asio::awaitable<std::optional<Reply>> begin_data() override {
    if (!session_) co_return fail("not connected");
    data_failure_.reset();
    if (auto queued = session_->core().data(); !queued) co_return fail(queued.error().reason);
    auto reply = co_await reply_to(ClientStep::data);
    if (!reply) co_return fail(reply.error());
    if (reply->code == 354) co_return std::nullopt;
    co_return *reply;
  }

  asio::awaitable<void> write_data(std::string_view content) override {
    if (data_failure_) co_return;  // end_data() reports it; nothing more is kept
    if (!session_) {
      data_failure_ = "not connected";
      co_return;
    }
    if (auto stuffed = session_->core().content(content); !stuffed) {
      data_failure_ = stuffed.error().reason;
      co_return;
    }
    // Small messages go out with the final dot in one write.
    if (session_->core().pending_output().size() < kWriteBatch) co_return;
    if (auto written = co_await session_->flush(); !written) data_failure_ = written.error();
  }

  asio::awaitable<Reply> end_data() override {
    if (data_failure_) co_return fail(*std::exchange(data_failure_, std::nullopt));
    if (!session_) co_return fail("not connected");
    if (auto ended = session_->core().end_content(); !ended) co_return fail(ended.error().reason);
    auto reply = co_await reply_to(ClientStep::message);
    if (!reply) co_return fail(reply.error());
    in_transaction_ = false;
    co_return *reply;
  }

  asio::awaitable<void> reset() override {
    if (!session_) co_return;
    smtp::ClientCore& core = session_->core();
    if (!core.may_send(ClientStep::rset)) {
      drop();
      co_return;
    }
    // Not left to go with the next command: the upstream would hold an
    // open transaction while the connection idles (smtp-sink keeps its
    // capture file, Postfix logs "lost connection after RCPT").
    (void)core.rset();
    auto reply = co_await reply_to(ClientStep::rset);
    if (reply && reply->code == 250) {
      in_transaction_ = false;
    } else {
      drop();
    }
  }

  bool reusable() const override {
    return session_.has_value() && !session_->core().closed() && !in_transaction_;
  }
  void prepare_reuse() override { reused_ = true; }
  void set_client(const smtp::ForwardedClient& client) override { client_ = client; }

  void abort() override { drop(); }

  asio::awaitable<void> quit() override {
    if (!session_) co_return;
    if (upstream_.port == 0 && std::exchange(hello_pending_, false)) {
      // ODMR with nothing to send (RFC 2645 §5.2.1: "send a QUIT following
      // the EHLO"): the customer hears EHLO first all the same.
      if (auto greeted = co_await after_greeting(false); !greeted) {
        drop();
        co_return;
      }
    }
    if (session_->core().may_send(ClientStep::quit)) {
      (void)session_->core().quit();
      (void)co_await session_->exchange();
    }
    drop();
  }

  asio::awaitable<Reply> send_generated(const GeneratedMessage& message) override {
    const bool group = session_ && !reused_ && !xclient_for_another() && !message.recipients.empty() &&
                       session_->core().capabilities().pipelining &&
                       session_->core().may_send(ClientStep::mail);
    if (!group) {
      // Step by step: a connection still to open, to check after reuse, or
      // an upstream without PIPELINING.
      Reply reply = co_await Delivery::send_generated(message);
      co_return reply;
    }
    Reply reply = co_await send_generated_group(message);
    co_return reply;
  }

  std::string describe() const override {
    if (upstream_.port == 0) return "customer " + upstream_.address;
    return "upstream " + upstream_.address + ":" + std::to_string(upstream_.port);
  }

 private:
  /// RFC 2920 §3.1: MAIL, the RCPTs and DATA (last) in one group; the
  /// replies decide as in Delivery::send_generated(), and with a 354 but no
  /// recipient accepted the (empty) data is ended at once.
  asio::awaitable<Reply> send_generated_group(const GeneratedMessage& message) {
    smtp::ClientCore& core = session_->core();
    in_transaction_ = true;
    if (auto forwarded = co_await forward_client(); !forwarded) co_return fail(forwarded.error());
    if (auto queued = core.mail(message.reverse_path); !queued) {
      if (!queued.error().reply) co_return fail(queued.error().reason);
      in_transaction_ = false;
      if (auto settled = co_await session_->exchange(); !settled) co_return fail(settled.error());
      co_return *queued.error().reply;
    }
    for (const smtp::PathArgument& recipient : message.recipients) {
      if (auto queued = core.rcpt(recipient); !queued) co_return fail(queued.error().reason);
    }
    if (auto queued = core.data(); !queued) co_return fail(queued.error().reason);
    auto replies = co_await session_->exchange();
    if (!replies) co_return fail(replies.error());
    std::optional<Reply> mail_reply;
    std::optional<Reply> data_reply;
    std::optional<Reply> refusal;
    std::size_t accepted = 0;
    for (smtp::ClientReply& answer : *replies) {
      if (answer.step == ClientStep::mail) {
        mail_reply = std::move(answer.reply);
      } else if (answer.step == ClientStep::rcpt) {
        if (answer.reply.is_positive()) {
          ++accepted;
        } else {
          refusal = std::move(answer.reply);
        }
      } else if (answer.step == ClientStep::data) {
        data_reply = std::move(answer.reply);
      } else if (answer.step == ClientStep::xforward && answer.reply.code != 250) {
        log(LogLevel::warning, "upstream.xforward_refused",
            {{"upstream", describe()}, {"reply", answer.reply.text()}});
      }
    }
    if (!data_reply) {
      // A 421 inside the group (the core closed): what was said is logged.
      const std::string said = replies->empty() ? std::string("nothing") : replies->back().reply.text();
      co_return fail("the upstream closed inside a pipelined group: " + said);
    }
    if (mail_reply && !mail_reply->is_positive()) {
      in_transaction_ = false;  // no transaction was opened: nothing to reset
      co_return *mail_reply;
    }
    if (data_reply->code != 354) {
      co_await reset();
      co_return accepted == 0 && refusal ? *refusal : *data_reply;
    }
    if (accepted != 0) (void)core.content(message.content);
    if (auto ended = core.end_content(); !ended) co_return fail(ended.error().reason);
    auto end = co_await reply_to(ClientStep::message);
    if (!end) co_return fail(end.error());
    in_transaction_ = false;
    if (accepted == 0 && refusal) co_return *refusal;
    co_return *end;
  }

  /// XCLIENT or XFORWARD as configured, then MAIL with the parameters the
  /// upstream announced; `local` is set when the MAIL cannot go to this
  /// upstream at all.
  asio::awaitable<Outcome<Reply>> send_mail(const smtp::PathArgument& reverse_path,
                                            std::optional<Reply>& local) {
    local.reset();
    if (auto forwarded = co_await forward_client(); !forwarded) co_return failure(forwarded.error());
    if (auto queued = session_->core().mail(reverse_path); !queued) {
      if (!queued.error().reply) co_return failure(queued.error().reason);
      local = *queued.error().reply;
      // What was queued before it (XFORWARD) still gets its replies.
      if (auto settled = co_await session_->exchange(); !settled) co_return failure(settled.error());
      co_return *local;
    }
    auto reply = co_await reply_to(ClientStep::mail);
    co_return reply;
  }

  /// Sends what the core queued and reads the replies: those to pipelined
  /// XFORWARD are handled here, the last must answer `step`.
  asio::awaitable<Outcome<Reply>> reply_to(ClientStep step) {
    auto replies = co_await session_->exchange();
    if (!replies) co_return failure(replies.error());
    std::optional<smtp::ClientReply> last;
    bool xforward_refusal_logged = false;
    for (smtp::ClientReply& reply : *replies) {
      if (reply.step == step || (step == ClientStep::ehlo && reply.step == ClientStep::helo)) {
        last = std::move(reply);
      } else if (reply.step == ClientStep::rset && reply.reply.code != 250) {
        co_return failure("RSET refused: " + reply.reply.text());
      } else if (reply.step == ClientStep::xforward && reply.reply.code != 250 &&
                 !std::exchange(xforward_refusal_logged, true)) {
        // XFORWARD only informs the upstream's logs: the mail goes on.
        log(LogLevel::warning, "upstream.xforward_refused",
            {{"upstream", describe()}, {"reply", reply.reply.text()}});
      }
    }
    if (!last) {
      // A 421 inside the group: the command asked for was never answered.
      const std::string said = replies->empty() ? std::string("nothing") : replies->back().reply.text();
      co_return failure("the upstream closed before answering " +
                        std::string(smtp::describe(step)) + ": " + said);
    }
    co_return std::move(last->reply);
  }

  ClientSessionSettings session_settings() const {
    ClientSessionSettings settings;
    settings.core.helo_name = helo_name_;
    settings.reply_timeout = upstream_.reply_timeout;
    return settings;
  }

  /// `plain_text`: the retry of an opportunistic connection whose TLS
  /// handshake failed.
  asio::awaitable<Done> connect(bool plain_text = false) {
    // ODMR: the connection was the customer's; there is none to make again.
    if (upstream_.port == 0) co_return failure("the customer's connection is gone");
    // Named: GCC 12 mishandles temporaries in co_await expressions.
    ClientSessionSettings settings = session_settings();
    std::string address = upstream_.address;
    auto connected = co_await SmtpClientSession::connect(std::move(address), upstream_.port,
                                                         upstream_.connect_timeout, std::move(settings));
    if (!connected) co_return failure(connected.error());
    session_.emplace(std::move(*connected));
    data_failure_.reset();
    xclient_sent_.reset();
    forwarding_warned_ = false;
    auto greeting = co_await reply_to(ClientStep::greeting);
    if (!greeting) co_return failure(greeting.error());
    if (greeting->code != 220) co_return failure("greeting " + greeting->text());
    auto greeted = co_await after_greeting(plain_text);
    co_return greeted;
  }

  /// EHLO, then STARTTLS as configured.
  asio::awaitable<Done> after_greeting(bool plain_text) {
    if (auto greeted = co_await greet(helo_name_); !greeted) co_return greeted;
    if (upstream_.starttls != UpstreamTls::off && tls_ && !plain_text) {
      // Named, as every awaited value here: GCC 12 mishandles temporaries
      // in co_await expressions.
      auto secured = co_await start_tls();
      co_return secured;
    }
    co_return done();
  }

  /// RFC 3207 as RFC 7435 §3 names its uses: opportunistic encrypts when it
  /// can and goes on in plain text otherwise (Postfix `may`); encrypt and
  /// verify fail the delivery instead. Each reason is logged apart.
  asio::awaitable<Done> start_tls() {
    const bool mandatory = upstream_.starttls == UpstreamTls::encrypt ||
                           upstream_.starttls == UpstreamTls::verify;
    smtp::ClientCore& core = session_->core();
    if (!core.capabilities().starttls) {
      if (mandatory) co_return failure("no STARTTLS offered");
      co_return done();
    }
    if (auto queued = core.starttls(); !queued) co_return failure(queued.error().reason);
    // A 220 with bytes behind it is refused by the core (RFC 3207 §4.2).
    auto ready = co_await reply_to(ClientStep::starttls);
    if (!ready) co_return failure(ready.error());
    if (ready->code != 220) {
      if (mandatory) co_return failure("STARTTLS refused: " + ready->text());
      co_return done();
    }
    std::string name =
        upstream_.check.server_name.empty() ? upstream_.address : upstream_.check.server_name;
    auto secured =
        co_await session_->start_tls(*tls_, name, upstream_.check.verify, upstream_.connect_timeout);
    if (!secured) {
      if (mandatory) co_return failure(secured.error());
      // The connection is unusable after a failed handshake: a new one in
      // plain text, as Postfix `may` retries.
      log(LogLevel::warning, "upstream.tls_failed",
          {{"upstream", describe()}, {"reason", secured.error()}, {"action", "plain text"}});
      drop();
      auto plain = co_await connect(true);
      co_return plain;
    }
    // RFC 3207 §4.2: the core forgot what the server said before TLS.
    auto greeted = co_await greet(helo_name_);
    co_return greeted;
  }

  /// With forward_client xclient: this connection carries another client.
  bool xclient_for_another() const {
    return upstream_.forward_client == ForwardClient::xclient && xclient_sent_ &&
           *xclient_sent_ != without_ident(client_);
  }

  static smtp::ForwardedClient without_ident(smtp::ForwardedClient client) {
    client.ident.clear();  // XCLIENT has no IDENT; it is per transaction
    return client;
  }

  /// XCLIENT once per connection and client (the server answers 220 and we
  /// say EHLO again, XCLIENT_README), XFORWARD before every transaction
  /// (it carries the transaction's IDENT); both only with the attributes
  /// the upstream lists. XFORWARD is only queued when the upstream offers
  /// PIPELINING: its replies come with the MAIL's.
  asio::awaitable<Done> forward_client() {
    if (upstream_.forward_client == ForwardClient::off) co_return done();
    const bool xclient = upstream_.forward_client == ForwardClient::xclient;
    const smtp::ForwardedClient client = xclient ? without_ident(client_) : client_;
    if (xclient && xclient_sent_ == client) co_return done();
    smtp::ClientCore& core = session_->core();
    const auto command = xclient ? smtp::ForwardCommand::xclient : smtp::ForwardCommand::xforward;
    const auto lines = smtp::format_client_forwarding(
        command, client, smtp::offered_attributes(core.capabilities(), xclient ? "XCLIENT" : "XFORWARD"));
    if (lines.empty()) {
      if (!std::exchange(forwarding_warned_, true)) {
        log(LogLevel::warning, "upstream.forward_client_unavailable",
            {{"upstream", describe()}, {"mode", xclient ? "xclient" : "xforward"},
             {"cause", "not offered after EHLO"}});
      }
      co_return done();
    }
    for (const std::string& line : lines) {
      if (auto queued = core.forward(command, line); !queued) co_return failure(queued.error().reason);
      if (!xclient && core.capabilities().pipelining) continue;
      auto reply = co_await reply_to(xclient ? ClientStep::xclient : ClientStep::xforward);
      if (!reply) co_return failure(reply.error());
      if (xclient && reply->code != 220) {
        // The upstream would judge the proxy instead of the client: no delivery.
        co_return failure("XCLIENT refused: " + reply->text());
      }
      if (!xclient && reply->code != 250) {
        log(LogLevel::warning, "upstream.xforward_refused",
            {{"upstream", describe()}, {"reply", reply->text()}});
        co_return done();
      }
    }
    if (xclient) {
      xclient_sent_ = client;
      // XCLIENT_README: after the 220 the client says EHLO again, and Postfix
      // takes the HELO name from that EHLO (overriding XCLIENT's HELO), so
      // it is the client's name, as in the README's example.
      const std::string_view name = ehlo_name_after_xclient(client.helo);
      auto greeted = co_await greet(name);
      co_return greeted;
    }
    co_return done();
  }

  /// The client's HELO argument when it can stand as an EHLO argument
  /// (one word of printable ASCII, RFC 5321 §4.1.1.1 at most a domain's 255
  /// octets); otherwise ours.
  std::string_view ehlo_name_after_xclient(std::string_view helo) const {
    const bool usable = !helo.empty() && helo.size() <= 255 &&
                        std::all_of(helo.begin(), helo.end(), [](char c) { return c > ' ' && c < 127; });
    return usable ? helo : std::string_view(helo_name_);
  }

  /// EHLO, and HELO when the upstream refuses it (the core's fallback).
  asio::awaitable<Done> greet(std::string_view name) {
    if (auto queued = session_->core().ehlo(name); !queued) co_return failure(queued.error().reason);
    auto reply = co_await reply_to(ClientStep::ehlo);
    if (!reply) co_return failure(reply.error());
    if (!session_->core().greeted()) co_return failure("HELO refused: " + reply->text());
    co_return done();
  }

  Reply fail(const std::string& reason) {
    log(LogLevel::warning, "upstream.failed", {{"upstream", describe()}, {"reason", reason}});
    drop();
    return Reply::line(451, "4.4.1 Upstream mail server unavailable, try again later");
  }

  void drop() {
    if (session_) session_->close();
    session_.reset();
    in_transaction_ = false;
    data_failure_.reset();
  }

  std::unique_ptr<const Upstream> owned_;  // HOST: the session's own upstream
  const Upstream& upstream_;
  TlsContext tls_;
  std::string helo_name_;
  std::optional<SmtpClientSession> session_;
  std::optional<std::string> data_failure_;
  smtp::ForwardedClient client_;
  std::optional<smtp::ForwardedClient> xclient_sent_;  // what this connection's XCLIENT said
  bool forwarding_warned_ = false;
  bool in_transaction_ = false;
  bool reused_ = false;
  bool hello_pending_ = false;  // HOST: greeted, EHLO still to say
};

}  // namespace

std::unique_ptr<Delivery> make_upstream_delivery(const Upstream& upstream, TlsContext tls,
                                                 std::string helo_name) {
  return std::make_unique<UpstreamDelivery>(upstream, std::move(tls), std::move(helo_name));
}

asio::awaitable<ocp::Expected<AdoptedUpstream, std::string>> adopt_upstream(
    Upstream upstream, TlsContext tls, std::string helo_name, MailStream stream, std::string already_read) {
  auto delivery = std::make_unique<UpstreamDelivery>(std::make_unique<const Upstream>(std::move(upstream)),
                                                     std::move(tls), std::move(helo_name));
  auto greeting = co_await delivery->adopt(std::move(stream), already_read);
  if (!greeting) co_return ocp::unexpected(greeting.error());
  co_return AdoptedUpstream{std::move(delivery), std::move(*greeting)};
}

}  // namespace opes::proxy
