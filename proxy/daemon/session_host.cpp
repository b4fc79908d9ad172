// SmtpSession's HOST (draft-khanna-proxy-mail-protocols-00 §4): the client
// names its mail server, the proxy connects to the checked address
// (host_connector.hpp) and the server's greeting is the reply to HOST; the
// session then goes on as any other, with that server as its delivery and
// the service group of the rule that allowed it. docs/ocp-conformance.md,
// "HOST", has the decisions (who speaks first, when HOST is accepted).
#include "opes/host/host_target.hpp"
#include "opes/proxy/host_connector.hpp"
#include "opes/smtp/server_replies.hpp"
#include <array>

#include "ocp/smtp/ascii.hpp"
#include "opes/support/log.hpp"
#include "smtp_session_impl.hpp"

namespace opes::proxy {

using support::log;
using support::LogLevel;

namespace {

/// The rule's upstream TLS as the upstream delivery names it (RFC 7435):
/// opportunistic unless the rule asks for STARTTLS, verified when it says so.
Upstream host_upstream(const host::HostPolicy& policy, const HostConnection& connection) {
  const host::HostRule& rule = *connection.rule;
  Upstream upstream;
  upstream.address = connection.address;
  upstream.port = connection.port;
  upstream.connect_timeout = policy.connect_timeout;
  const host::HostTls tls = rule.tls.value_or(host::HostTls::opportunistic);
  upstream.starttls = tls == host::HostTls::off             ? UpstreamTls::off
                      : tls == host::HostTls::opportunistic ? UpstreamTls::opportunistic
                      : rule.verify                         ? UpstreamTls::verify
                                                            : UpstreamTls::encrypt;
  upstream.check.ca_file = rule.ca_file;
  upstream.check.verify = upstream.starttls == UpstreamTls::verify;
  // RFC 6125: the certificate must name the server the client named.
  upstream.check.server_name = connection.target.name;
  return upstream;
}

bool starts_with_host(std::string_view bytes) {
  if (bytes.size() < 5) return false;
  for (std::size_t i = 0; i < 4; ++i) {
    if (ocp::smtp::ascii::ascii_lower(bytes[i]) != "host"[i]) return false;
  }
  return bytes[4] == ' ';
}

}  // namespace

bool SmtpSession::host_enabled() const { return listener_.host != HostMode::off; }

Reply SmtpSession::host_required_first() const {
  return Reply::line(503, "5.5.1 Name your mail server first: HOST name[:port]");
}

boost::asio::awaitable<void> SmtpSession::greet_or_take_host() {
  // The draft's client speaks first, an RFC 5321 client waits for the
  // greeting: a short wait tells them apart. Not after implicit TLS, whose
  // client waited for the handshake and then for us.
  const auto wait = config_.host_policy.client_first_wait;
  if (!host_enabled() || wait.count() == 0 || stream_.tls()) {
    core_.greet(smtp::greeting(config_.hostname));
    co_return;
  }
  std::array<char, 2048> early;
  std::size_t n = 0;
  try {
    n = co_await stream_.read_some(boost::asio::buffer(early), wait);
  } catch (const boost::system::system_error& error) {
    if (error.code() != boost::asio::error::timed_out) throw;
    core_.greet(smtp::greeting(config_.hostname));
    co_return;
  }
  if (n == 0) {
    core_.receive_eof();
    co_return;
  }
  const std::string_view bytes(early.data(), n);
  // HOST first: the server's greeting will be the first thing said.
  if (!starts_with_host(bytes)) core_.greet(smtp::greeting(config_.hostname));
  core_.receive(bytes);
}

boost::asio::awaitable<void> SmtpSession::on_host(const smtp::Command& command) {
  const host::HostPolicy& policy = config_.host_policy;
  if (host_named_ || host_window_closed_) {
    reply(Reply::line(503, "5.5.1 HOST only before the first mail transaction"));
    co_return;
  }
  if (policy.require_auth && !auth_.user()) {
    reply(Reply::line(530, "5.7.0 Authentication required before HOST"));
    co_return;
  }
  auto target = host::parse_host_target(command.argument);
  if (!target) {
    reply(Reply::line(501, "5.5.4 Syntax: HOST name[:port]: " + target.error()));
    co_return;
  }
  if (!context_.host_attempts.try_attempt(stream_.peer_address(), std::chrono::steady_clock::now())) {
    log(LogLevel::warning, "host.attempt_limit",
        {{"peer", stream_.peer()},
         {"session", transaction_ids_.session},
         {"limit", "host_policy.max_attempts_per_client"},
         {"max", std::to_string(policy.max_attempts_per_client)}});
    reply(Reply::line(421, "4.7.0 " + config_.hostname + " Too many HOST attempts, try again later"));
    closing_ = true;
    co_return;
  }
  const HostRequester requester{stream_.peer(), transaction_ids_.session};
  auto connection =
      co_await connect_host(policy, host::HostProtocol::smtp, *target, context_.own_endpoints, requester);
  if (!connection) {
    // The draft: 421 when no connection is made, and the session ends.
    const bool denied = connection.error().kind == HostRefusal::Kind::denied;
    reply(Reply::line(421, std::string(denied ? "4.7.1 " : "4.4.1 ") + connection.error().client_text));
    closing_ = true;
    co_return;
  }
  const std::size_t rule_index = connection->rule_index;
  const host::HostRule& rule = *connection->rule;
  std::string target_text = connection->target.text();
  Upstream upstream = host_upstream(policy, *connection);
  auto adopted = co_await adopt_upstream(std::move(upstream), context_.host_tls[rule_index],
                                         config_.hostname, std::move(connection->stream));
  if (!adopted) {
    log(LogLevel::warning, "host.no_greeting",
        {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"target", target_text},
         {"cause", adopted.error()}});
    reply(Reply::line(421, "4.4.2 " + target_text + " did not greet: " + adopted.error()));
    closing_ = true;
    co_return;
  }
  Reply greeting = std::move(adopted->greeting);
  if (greeting.code != 220) {
    // RFC 5321 §3.1: a server that refuses the session says 554 (or 421) and
    // waits for QUIT; the client hears it as the server said it, and the
    // proxy ends the session, there being no server to talk to.
    log(LogLevel::info, "host.refused_by_server",
        {{"peer", stream_.peer()}, {"session", transaction_ids_.session}, {"target", target_text},
         {"reply", greeting.text()}});
    co_await adopted->delivery->quit();
    reply(greeting);
    closing_ = true;
    co_return;
  }
  delivery_ = std::move(adopted->delivery);
  host_named_ = true;
  if (!rule.service_group.empty()) group_ = config_.find_group(rule.service_group);
  log(LogLevel::info, "smtp.host",
      {{"peer", stream_.peer()},
       {"session", transaction_ids_.session},
       {"target", target_text},
       {"upstream", delivery_->describe()},
       {"rule", rule.name},
       {"service_group", group_->name}});
  reply(greeting);
}

}  // namespace opes::proxy
