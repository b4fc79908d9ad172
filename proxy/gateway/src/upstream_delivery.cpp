// Delivery to the upstream MTA over SMTP (RFC 5321 as a client): a
// connection opened at the first MAIL, STARTTLS as configured (RFC 3207,
// modes named after RFC 7435), the client's identity by XCLIENT/XFORWARD,
// used for the session's transactions, then kept idle in a DeliveryCache
// for the thread's next client session.

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cctype>

#include "opes/proxy/delivery.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/smtp/client_commands.hpp"
#include "opes/smtp/client_forwarding.hpp"
#include "opes/smtp/dot_stuffer.hpp"
#include "opes/smtp/mail_parameters.hpp"
#include "opes/smtp/reply_reader.hpp"
#include "opes/smtp/server_capabilities.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

/// Message content is written in batches of this size.
constexpr std::size_t kWriteBatch = std::size_t{64} << 10;

/// Thrown inside the class when the upstream dialogue cannot go on; turned
/// into a 4yz reply for the client at the public methods.
struct UpstreamFailure {
  std::string reason;
};

/// Which parameters the upstream must have announced to take them; the
/// others we offer ourselves and never pass on (SIZE is an estimate and
/// optional, RFC 1870 §6).
bool upstream_takes(const smtp::ServerCapabilities& caps, const smtp::MailParameter& parameter) {
  auto is = [&](std::string_view keyword) {
    if (parameter.keyword.size() != keyword.size()) return false;
    for (std::size_t i = 0; i < keyword.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(parameter.keyword[i])) != keyword[i]) return false;
    return true;
  };
  if (is("SIZE")) return caps.size;
  if (is("BODY")) return caps.eight_bit_mime;
  if (is("SMTPUTF8")) return caps.smtputf8;
  if (is("OPESTRACE") || is("OPESBYPASS")) return caps.opes;
  // RFC 3461 §4: the DSN parameters go to a server that offers DSN; to one
  // that does not they are dropped (§5.2.2 would have us send "relayed"
  // notifications, which the proxy does not: docs/ocp-conformance.md).
  if (is("RET") || is("ENVID") || is("NOTIFY") || is("ORCPT")) return caps.has("DSN");
  return caps.has(parameter.keyword);
}

struct Unsupported {
  Reply reply;
};

class UpstreamDelivery final : public Delivery {
 public:
  UpstreamDelivery(const Upstream& upstream, TlsContext tls, std::string helo_name)
      : upstream_(upstream), tls_(std::move(tls)), helo_name_(std::move(helo_name)) {}

  asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) override {
    try {
      bool reused = std::exchange(reused_, false) && stream_;
      if (stream_ && xclient_for_another()) {
        // XCLIENT_README Note 1: once ADDR is set, the server judges a new
        // XCLIENT by the forwarded client; another client needs a fresh
        // connection.
        drop();
        reused = false;
      }
      if (!stream_) co_await connect();
      in_transaction_ = true;
      Reply reply;
      bool stale = false;
      try {
        co_await forward_client();
        reply = co_await command(mail_line(reverse_path));
        // RFC 5321 §3.8: a server closing an idle connection says 421 first.
        stale = reused && reply.code == 421;
      } catch (const UpstreamFailure&) {
        if (!reused) throw;
        stale = true;
      }
      if (stale) {
        drop();
        co_await connect();
        co_await forward_client();
        reply = co_await command(mail_line(reverse_path));
      }
      if (!reply.is_positive()) in_transaction_ = false;
      co_return reply;
    } catch (const UpstreamFailure& failure) {
      co_return fail(failure.reason);
    } catch (const Unsupported& unsupported) {
      in_transaction_ = false;
      co_return unsupported.reply;
    }
  }

  asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) override {
    try {
      smtp::PathArgument forwarded{forward_path.path, {}};
      for (const auto& parameter : forward_path.parameters)
        if (upstream_takes(capabilities_, parameter)) forwarded.parameters.push_back(parameter);
      co_return co_await command(smtp::format_rcpt(forwarded));
    } catch (const UpstreamFailure& failure) {
      co_return fail(failure.reason);
    }
  }

  asio::awaitable<std::optional<Reply>> begin_data() override {
    try {
      wire_.clear();
      stuffer_ = smtp::DotStuffer{};
      Reply reply = co_await command("DATA\r\n");
      if (reply.code == 354) co_return std::nullopt;
      co_return reply;
    } catch (const UpstreamFailure& failure) {
      co_return fail(failure.reason);
    }
  }

  asio::awaitable<void> write_data(std::string_view content) override {
    if (data_failure_) co_return;  // end_data() reports it; nothing more is kept
    // Small messages go out with the final dot in one write.
    stuffer_.encode(content, wire_);
    if (wire_.size() < kWriteBatch) co_return;
    try {
      co_await send(wire_);
    } catch (const UpstreamFailure& failure) {
      data_failure_ = failure.reason;
    }
    wire_.clear();
  }

  asio::awaitable<Reply> end_data() override {
    try {
      if (data_failure_) throw UpstreamFailure{*std::exchange(data_failure_, std::nullopt)};
      stuffer_.finish(wire_);
      co_await send(wire_);
      wire_.clear();
      Reply reply = co_await read_reply();
      in_transaction_ = false;
      co_return reply;
    } catch (const UpstreamFailure& failure) {
      co_return fail(failure.reason);
    }
  }

  asio::awaitable<void> reset() override {
    if (!stream_) co_return;
    try {
      const Reply reply = co_await command("RSET\r\n");
      if (reply.code == 250) {
        in_transaction_ = false;
      } else {
        drop();
      }
    } catch (const UpstreamFailure&) {
      drop();
    }
  }

  bool reusable() const override { return stream_.has_value() && !in_transaction_; }
  void prepare_reuse() override { reused_ = true; }
  void set_client(const smtp::ForwardedClient& client) override { client_ = client; }

  void abort() override { drop(); }

  asio::awaitable<void> quit() override {
    if (!stream_) co_return;
    try {
      co_await command("QUIT\r\n");
    } catch (const UpstreamFailure&) {
    }
    drop();
  }

  std::string describe() const override {
    return "upstream " + upstream_.address + ":" + std::to_string(upstream_.port);
  }

 private:
  /// MAIL with the parameters the upstream announced (the capabilities are
  /// the current connection's).
  std::string mail_line(const smtp::PathArgument& reverse_path) const {
    smtp::PathArgument forwarded{reverse_path.path, {}};
    for (const auto& parameter : reverse_path.parameters) {
      if (upstream_takes(capabilities_, parameter)) {
        forwarded.parameters.push_back(parameter);
      } else if (smtp::requests_smtputf8(smtp::PathArgument{"", {parameter}})) {
        // RFC 6531 §3.2: the message needs SMTPUTF8 all the way.
        throw Unsupported{Reply::line(553, "5.6.7 The next hop does not support SMTPUTF8")};
      }
    }
    return smtp::format_mail(forwarded);
  }

  /// `plain_text`: the retry of an opportunistic connection whose TLS
  /// handshake failed.
  asio::awaitable<void> connect(bool plain_text = false) {
    try {
      stream_.emplace(co_await MailStream::connect(upstream_.address, upstream_.port,
                                                   upstream_.connect_timeout));
    } catch (const boost::system::system_error& error) {
      throw UpstreamFailure{"cannot connect: " + error.code().message()};
    }
    reader_ = smtp::ReplyReader{};
    stuffer_ = smtp::DotStuffer{};
    data_failure_.reset();
    xclient_sent_.reset();
    forwarding_warned_ = false;
    const Reply greeting = co_await read_reply();
    if (greeting.code != 220) throw UpstreamFailure{"greeting " + greeting.text()};
    co_await greet();
    if (upstream_.starttls != UpstreamTls::off && tls_ && !plain_text) co_await start_tls();
  }

  /// RFC 3207 as RFC 7435 §3 names its uses: opportunistic encrypts when it
  /// can and goes on in plain text otherwise (Postfix `may`); encrypt and
  /// verify fail the delivery instead. Each reason is logged apart.
  asio::awaitable<void> start_tls() {
    const bool mandatory = upstream_.starttls == UpstreamTls::encrypt ||
                           upstream_.starttls == UpstreamTls::verify;
    if (!capabilities_.starttls) {
      if (mandatory) throw UpstreamFailure{"no STARTTLS offered"};
      co_return;
    }
    const Reply ready = co_await command("STARTTLS\r\n");
    if (ready.code != 220) {
      if (mandatory) throw UpstreamFailure{"STARTTLS refused: " + ready.text()};
      co_return;
    }
    const std::string name =
        upstream_.check.server_name.empty() ? upstream_.address : upstream_.check.server_name;
    std::optional<std::string> failure;
    try {
      co_await stream_->connect_tls(*tls_, name, upstream_.check.verify, upstream_.connect_timeout);
    } catch (const boost::system::system_error& error) {
      failure = describe_tls_failure(stream_->verify_result(), name, error.code().message());
    }
    if (failure) {
      if (mandatory) throw UpstreamFailure{*failure};
      // The connection is unusable after a failed handshake: a new one in
      // plain text, as Postfix `may` retries.
      log(LogLevel::warning, "upstream.tls_failed",
          {{"upstream", describe()}, {"reason", *failure}, {"action", "plain text"}});
      drop();
      co_await connect(true);
      co_return;
    }
    // RFC 3207 §4.2: forget what the server said before TLS.
    reader_ = smtp::ReplyReader{};
    co_await greet();
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
  /// the upstream lists.
  asio::awaitable<void> forward_client() {
    if (upstream_.forward_client == ForwardClient::off) co_return;
    const bool xclient = upstream_.forward_client == ForwardClient::xclient;
    const smtp::ForwardedClient client = xclient ? without_ident(client_) : client_;
    if (xclient && xclient_sent_ == client) co_return;
    const auto lines = smtp::format_client_forwarding(
        xclient ? smtp::ForwardCommand::xclient : smtp::ForwardCommand::xforward, client,
        smtp::offered_attributes(capabilities_, xclient ? "XCLIENT" : "XFORWARD"));
    if (lines.empty()) {
      if (!std::exchange(forwarding_warned_, true)) {
        log(LogLevel::warning, "upstream.forward_client_unavailable",
            {{"upstream", describe()}, {"mode", xclient ? "xclient" : "xforward"},
             {"cause", "not offered after EHLO"}});
      }
      co_return;
    }
    for (const std::string& line : lines) {
      const Reply reply = co_await command(line);
      if (xclient && reply.code != 220) {
        // The upstream would judge the proxy instead of the client: no delivery.
        throw UpstreamFailure{"XCLIENT refused: " + reply.text()};
      }
      if (!xclient && reply.code != 250) {
        // XFORWARD only informs the upstream's logs: the mail goes on.
        log(LogLevel::warning, "upstream.xforward_refused",
            {{"upstream", describe()}, {"reply", reply.text()}});
        co_return;
      }
    }
    if (xclient) {
      xclient_sent_ = client;
      // XCLIENT_README: after the 220 the client says EHLO again, and Postfix
      // takes the HELO name from that EHLO (overriding XCLIENT's HELO), so
      // it is the client's name, as in the README's example.
      co_await greet(ehlo_name_after_xclient(client.helo));
    }
  }

  /// The client's HELO argument when it can stand as an EHLO argument
  /// (one word of printable ASCII, RFC 5321 §4.1.1.1 at most a domain's 255
  /// octets); otherwise ours.
  std::string_view ehlo_name_after_xclient(std::string_view helo) const {
    const bool usable = !helo.empty() && helo.size() <= 255 &&
                        std::all_of(helo.begin(), helo.end(), [](char c) { return c > ' ' && c < 127; });
    return usable ? helo : std::string_view(helo_name_);
  }

  asio::awaitable<void> greet() { co_await greet(helo_name_); }

  asio::awaitable<void> greet(std::string_view name) {
    const Reply ehlo = co_await command(smtp::format_ehlo(name));
    if (ehlo.code == 250) {
      capabilities_ = smtp::parse_ehlo(ehlo);
      co_return;
    }
    // RFC 5321 §3.2: a server that does not know EHLO gets HELO.
    const Reply helo = co_await command("HELO " + std::string(name) + "\r\n");
    if (helo.code != 250) throw UpstreamFailure{"HELO refused: " + helo.text()};
    capabilities_ = smtp::ServerCapabilities{};
  }

  asio::awaitable<Reply> command(std::string line) {
    if (!stream_) throw UpstreamFailure{"not connected"};
    co_await send(line);
    co_return co_await read_reply();
  }

  asio::awaitable<void> send(std::string_view bytes) {
    if (!stream_) throw UpstreamFailure{"not connected"};
    try {
      co_await stream_->write(bytes, upstream_.reply_timeout);
    } catch (const boost::system::system_error& error) {
      throw UpstreamFailure{"write: " + error.code().message()};
    }
  }

  asio::awaitable<Reply> read_reply() {
    std::array<char, 4096> buffer;
    for (;;) {
      auto next = reader_.next();
      if (!next) throw UpstreamFailure{next.error().reason};
      if (*next) co_return std::move(**next);
      std::size_t n = 0;
      try {
        n = co_await stream_->read_some(asio::buffer(buffer), upstream_.reply_timeout);
      } catch (const boost::system::system_error& error) {
        throw UpstreamFailure{"waiting for a reply: " + error.code().message()};
      }
      if (n == 0) throw UpstreamFailure{"the upstream closed the connection"};
      reader_.receive(std::string_view(buffer.data(), n));
    }
  }

  Reply fail(const std::string& reason) {
    log(LogLevel::warning, "upstream.failed", {{"upstream", describe()}, {"reason", reason}});
    drop();
    return Reply::line(451, "4.4.1 Upstream mail server unavailable, try again later");
  }

  void drop() {
    if (stream_) stream_->close();
    stream_.reset();
    in_transaction_ = false;
    wire_.clear();
    data_failure_.reset();
  }

  const Upstream& upstream_;
  TlsContext tls_;
  std::string helo_name_;
  std::optional<MailStream> stream_;
  smtp::ReplyReader reader_;
  smtp::ServerCapabilities capabilities_;
  smtp::DotStuffer stuffer_;
  std::string wire_;
  std::optional<std::string> data_failure_;
  smtp::ForwardedClient client_;
  std::optional<smtp::ForwardedClient> xclient_sent_;  // what this connection's XCLIENT said
  bool forwarding_warned_ = false;
  bool in_transaction_ = false;
  bool reused_ = false;
};

}  // namespace

std::unique_ptr<Delivery> make_upstream_delivery(const Upstream& upstream, TlsContext tls,
                                                 std::string helo_name) {
  return std::make_unique<UpstreamDelivery>(upstream, std::move(tls), std::move(helo_name));
}

}  // namespace opes::proxy
