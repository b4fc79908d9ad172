#pragma once
// Where an accepted message goes: the upstream MTA over SMTP, or the local
// spool. The SMTP session drives one Delivery at a time through the steps
// of each mail transaction and relays its replies (an idle upstream one
// may serve several client sessions in turn); a 2xx from
// end_data() means the message is upstream or durably stored (never before).

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/reply.hpp"
#include "opes/proxy/config.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/proxy/tls.hpp"
#include "opes/queue/held_record.hpp"
#include "opes/smtp/client_forwarding.hpp"
#include "opes/smtp/path_argument.hpp"

namespace opes::proxy {

namespace asio = boost::asio;
using ocp::smtp::Reply;

/// A message the proxy writes itself (the opestrace notification, later
/// DSNs), sent as a transaction of its own.
struct GeneratedMessage {
  smtp::PathArgument reverse_path;              // "" for the null sender (RFC 3834 §3.1.4)
  std::vector<smtp::PathArgument> recipients;  // at least one
  std::string content;                          // header section and body, CRLF
};

class Delivery {
 public:
  virtual ~Delivery() = default;

  /// Each answers with the reply for the client: the upstream's own, or one
  /// of ours when the upstream cannot be reached (4yz).
  virtual asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) = 0;
  virtual asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) = 0;
  /// nullopt when content may follow; else the refusal.
  virtual asio::awaitable<std::optional<Reply>> begin_data() = 0;
  /// Message content: dot-unstuffed, CRLF, in any split.
  virtual asio::awaitable<void> write_data(std::string_view content) = 0;
  /// Ends the content; the reply says whether the message was taken.
  virtual asio::awaitable<Reply> end_data() = 0;
  /// Ends the transaction without a message (RSET upstream).
  virtual asio::awaitable<void> reset() = 0;
  /// Abandons a message in the middle of its content: it must not be
  /// delivered (the upstream connection is dropped before the final dot).
  virtual void abort() = 0;
  /// The client session is over.
  virtual asio::awaitable<void> quit() = 0;
  /// For logs: "upstream 127.0.0.1:25" or "spool /var/spool/opes-proxy".
  virtual std::string describe() const = 0;

  /// Connected, between transactions: another client session may use it
  /// (connection caching, as Postfix's smtp client does).
  virtual bool reusable() const { return false; }
  /// Handed to a new session: the first MAIL retries once on a fresh
  /// connection when the cached one turns out to be gone (or says 421).
  virtual void prepare_reuse() {}

  /// The client of the next mail(), for `upstream.forward_client`
  /// (XCLIENT/XFORWARD); the spool ignores it.
  virtual void set_client(const smtp::ForwardedClient& /*client*/) {}
  /// The facts about the client of the next mail(), for a store that keeps
  /// them with the message (the ODMR hold queue); the others ignore them.
  virtual void set_origin(const queue::OriginFacts& /*origin*/) {}

  /// Sends `message` as a transaction of its own: MAIL, each RCPT, DATA,
  /// the content, the final dot. The reply that ended it: MAIL's refusal,
  /// the last RCPT refusal when no recipient was accepted, DATA's refusal
  /// (the transaction then reset), or the final dot's reply. This default
  /// goes step by step through the methods above; the upstream delivery
  /// sends MAIL, the RCPTs and DATA as one group where the upstream offers
  /// PIPELINING (RFC 2920).
  virtual asio::awaitable<Reply> send_generated(const GeneratedMessage& message);
};

std::unique_ptr<Delivery> make_upstream_delivery(const Upstream& upstream, TlsContext tls,
                                                 std::string helo_name);
/// HOST (SMTP): the session's own upstream on a connection made for it
/// (host_connector.hpp) and the greeting read on it, which the client gets
/// as the reply to HOST. The delivery says EHLO (and STARTTLS as
/// `upstream.starttls` asks) at its first MAIL; a connection lost before
/// then is made again to `upstream.address`, the checked address.
struct AdoptedUpstream {
  std::unique_ptr<Delivery> delivery;
  Reply greeting;  // the server's, any code (a 554 greeting refuses the session)
};
/// The error: the greeting could not be read (timeout, EOF, malformed).
///
/// ODMR after ATRN (RFC 2645 §5.3) is the same with the roles reversed:
/// the customer's connection, `already_read` the octets it sent behind
/// ATRN (its greeting may be among them), and `upstream.port` 0: the
/// connection cannot be made again, and the delivery describes itself as
/// "customer ADDRESS".
asio::awaitable<ocp::Expected<AdoptedUpstream, std::string>> adopt_upstream(
    Upstream upstream, TlsContext tls, std::string helo_name, MailStream stream,
    std::string already_read);
inline asio::awaitable<ocp::Expected<AdoptedUpstream, std::string>> adopt_upstream(
    Upstream upstream, TlsContext tls, std::string helo_name, MailStream stream) {
  // Not a coroutine: the arguments move into the frame of the one above.
  return adopt_upstream(std::move(upstream), std::move(tls), std::move(helo_name), std::move(stream),
                        std::string());
}

/// What a spool delivery files messages for: the spool proper (no upstream
/// MTA), or the quarantine (Advice: quarantine, smtp §3.3.4), which differs
/// only in what its replies and log lines say.
enum class SpoolPurpose { spool, quarantine };

std::unique_ptr<Delivery> make_spool_delivery(std::filesystem::path directory,
                                              SpoolPurpose purpose = SpoolPurpose::spool);

/// The DSN parameters (RFC 3461 §4: RET, ENVID, NOTIFY, ORCPT) of a MAIL or
/// RCPT argument as sent, space-separated, keywords in upper case; "" without.
std::string dsn_parameters(const smtp::PathArgument& argument);

}  // namespace opes::proxy
