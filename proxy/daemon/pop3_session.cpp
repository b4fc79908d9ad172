#include "pop3_session.hpp"

#include <boost/asio/this_coro.hpp>

#include <array>
#include <optional>

#include "opes/pop3/proxy_core.hpp"
#include "opes/proxy/host_connector.hpp"
#include "opes/support/log.hpp"
#include "opes/transaction/mail_transaction.hpp"
#include "opes/transaction/session_fields.hpp"
#include "pop3_relay.hpp"
#include "pop3_upstream.hpp"
#include "session_admission.hpp"
#include "smtp_session_impl.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

bool timed_out(const boost::system::system_error& error) {
  return error.code() == boost::asio::error::timed_out;
}

/// Refused before anything was read: one -ERR line (RFC 3206 SYS/TEMP: try
/// later) instead of the greeting; an implicit-TLS client gets no plain text.
boost::asio::awaitable<void> refuse_pop3(MailStream& stream, const Listener& listener, std::string text) {
  if (listener.tls != ListenerTls::implicit) {
    const std::string refusal = "-ERR [SYS/TEMP] " + text + "\r\n";
    try {
      co_await stream.write(refusal, std::chrono::seconds(5));
    } catch (const boost::system::system_error&) {
    }
  }
  stream.close();
}

class Pop3Session {
 public:
  Pop3Session(GatewayContext& context, MailStream stream, const Listener& listener)
      : context_(context),
        config_(context.config),
        listener_(listener),
        client_(std::move(stream)),
        session_id_(new_session_id()),
        core_({}, core_options()),
        buffer_(4096) {}

  boost::asio::awaitable<void> run();

 private:
  pop3::ProxyOptions core_options() const {
    pop3::ProxyOptions options;
    options.hostname = config_.hostname;
    options.offer_stls = context_.server_tls && listener_.tls == ListenerTls::starttls;
    options.client_tls = listener_.tls == ListenerTls::implicit;
    return options;
  }
  boost::asio::awaitable<void> flush_client();
  boost::asio::awaitable<bool> read_client(Duration timeout);
  boost::asio::awaitable<void> connect(const host::HostTarget& target);
  void log_end(std::string_view reason);

  GatewayContext& context_;
  const ProxyConfig& config_;
  const Listener& listener_;
  MailStream client_;
  std::string session_id_;
  pop3::ProxyCore core_;
  std::vector<char> buffer_;  // heap-held, out of the frame
  std::optional<MailStream> upstream_;
  std::string target_text_;
};

void Pop3Session::log_end(std::string_view reason) {
  log(LogLevel::info, "pop3.session",
      {{"peer", client_.peer()}, {"session", session_id_}, {"target", target_text_}, {"end", std::string(reason)}});
}

boost::asio::awaitable<void> Pop3Session::flush_client() {
  if (core_.to_client().empty()) co_return;
  const std::string bytes(core_.to_client());
  co_await client_.write(bytes, config_.timeouts.command);
  core_.consume_to_client(bytes.size());
}

/// False at EOF (the core was told).
boost::asio::awaitable<bool> Pop3Session::read_client(Duration timeout) {
  const auto buffer = boost::asio::buffer(buffer_.data(), buffer_.size());
  const std::size_t count = co_await client_.read_some(buffer, timeout);
  if (count == 0) {
    core_.client_eof();
    co_return false;
  }
  core_.receive_from_client(std::string_view(buffer_.data(), count));
  co_return true;
}

boost::asio::awaitable<void> Pop3Session::connect(const host::HostTarget& target) {
  const auto now = HostAttempts::Clock::now();
  if (!context_.host_attempts.try_attempt(client_.peer_address(), now)) {
    log(LogLevel::warning, "pop3.host",
        {{"peer", client_.peer()}, {"session", session_id_}, {"target", target.text()}, {"result", "too_many_attempts"}});
    core_.host_refused("[SYS/TEMP] too many HOST attempts from your address, try again later");
    co_return;
  }
  const HostRequester requester{client_.peer(), session_id_};
  auto connecting = connect_host(config_.host_policy, host::HostProtocol::pop3, target, context_.own_endpoints, requester);
  auto connected = co_await std::move(connecting);
  if (!connected) {
    // RFC 3206: a target the policy denies will not be allowed by trying
    // again (SYS/PERM); an unreachable one may come back (SYS/TEMP).
    const char* code = connected.error().kind == HostRefusal::Kind::denied ? "[SYS/PERM] " : "[SYS/TEMP] ";
    core_.host_refused(code + connected.error().client_text);
    co_return;
  }
  HostConnection connection = std::move(*connected);
  const std::size_t rule_index = connection.rule_index;
  const std::string address = connection.address;
  const std::string rule_name = connection.rule->name;
  target_text_ = target.text();
  TlsContext tls_context = rule_index < context_.host_tls.size() ? context_.host_tls[rule_index] : nullptr;
  auto opening = open_pop3_upstream(std::move(connection), tls_context, config_.host_policy.connect_timeout);
  auto opened = co_await std::move(opening);
  if (!opened) {
    log(LogLevel::warning, opened.error().tls ? "pop3.tls_failed" : "pop3.host",
        {{"peer", client_.peer()},
         {"session", session_id_},
         {"target", target_text_},
         {"address", address},
         {"side", "upstream"},
         {"cause", opened.error().client_text}});
    core_.host_refused("[SYS/TEMP] " + opened.error().client_text);
    co_return;
  }
  log(LogLevel::info, "pop3.host",
      {{"peer", client_.peer()},
       {"session", session_id_},
       {"target", target_text_},
       {"address", address},
       {"rule", rule_name},
       {"tls", opened->stream.tls() ? opened->stream.tls_description() : "none"}});
  upstream_.emplace(std::move(opened->stream));
  const std::string unread = std::move(opened->unread);
  core_.host_connected(opened->greeting);
  if (!unread.empty()) core_.receive_from_upstream(unread);
}

boost::asio::awaitable<void> Pop3Session::run() {
  try {
    if (listener_.tls == ListenerTls::implicit) {
      // RFC 8314 §3.3 (POP3S): the handshake before the greeting.
      co_await client_.accept_tls(*context_.server_tls, config_.timeouts.tls_handshake);
    }
    // Client-first (the draft's example sends HOST before any greeting):
    // a short wait for a client that speaks at once, else the greeting. Not
    // after implicit TLS (as for SMTP): that client waited for the handshake,
    // and a TLS read is not cut short by a timeout without harm.
    const Duration first_wait = config_.host_policy.client_first_wait;
    if (listener_.tls != ListenerTls::implicit && first_wait.count() > 0) {
      try {
        co_await read_client(first_wait);
      } catch (const boost::system::system_error& error) {
        if (!timed_out(error)) throw;
      }
    }
    core_.greet();
    while (core_.phase() != pop3::ProxyCore::Phase::relay) {
      while (auto event = core_.poll_event()) {
        if (const auto* request = std::get_if<pop3::ConnectRequested>(&*event)) {
          const host::HostTarget target = request->target;
          auto connecting = connect(target);
          co_await std::move(connecting);
        } else if (std::holds_alternative<pop3::StartClientTls>(*event)) {
          co_await flush_client();
          co_await client_.accept_tls(*context_.server_tls, config_.timeouts.tls_handshake);
          core_.client_tls_started();
        } else if (const auto* close = std::get_if<pop3::Close>(&*event)) {
          co_await flush_client();
          client_.close();
          log_end(pop3::reason_name(close->reason));
          co_return;
        }
      }
      co_await flush_client();
      if (core_.phase() == pop3::ProxyCore::Phase::relay) break;
      co_await read_client(config_.timeouts.command);
    }
  } catch (const boost::system::system_error& error) {
    if (timed_out(error)) {
      log(LogLevel::info, "pop3.timeout", {{"peer", client_.peer()}, {"session", session_id_}, {"side", "preamble"}});
    } else {
      log(LogLevel::info, "pop3.client_error",
          {{"peer", client_.peer()}, {"session", session_id_}, {"cause", error.code().message()}});
    }
    client_.close();
    log_end("client_error");
    co_return;
  }
  Pop3RelaySettings settings{config_.timeouts.pop3_idle, config_.timeouts.tls_handshake, context_.server_tls,
                             client_.peer(), session_id_};
  const auto executor = co_await boost::asio::this_coro::executor;
  Pop3Relay relay(executor, core_, client_, *upstream_, std::move(settings));
  auto relaying = relay.run();
  const std::string reason = co_await std::move(relaying);
  client_.close();
  upstream_->close();
  log_end(reason);
}

}  // namespace

boost::asio::awaitable<void> serve_pop3_client(std::shared_ptr<GatewayContext> held,
                                               boost::asio::ip::tcp::socket socket,
                                               const Listener& listener) {
  GatewayContext& context = *held;
  MailStream stream(std::move(socket));
  auto slot = admit_session(context, stream, "pop3");
  if (!slot) {
    const bool full = slot.error() == SessionRefusal::too_many_sessions;
    std::string refusal = context.config.hostname + (full ? " too many connections, try again later"
                                                          : " too many connections from your address, try again later");
    co_await refuse_pop3(stream, listener, std::move(refusal));
    co_return;
  }
  log(LogLevel::info, "pop3.session", {{"peer", stream.peer()}, {"start", "1"}});
  Pop3Session session(context, std::move(stream), listener);
  co_await session.run();
}

}  // namespace opes::proxy
