#include "pop3_upstream.hpp"

#include <array>
#include <memory>

namespace opes::proxy {

namespace {

/// RFC 2449 §4: a response line is at most 512 octets with its CRLF.
constexpr std::size_t kMaxStatusLine = 512;

struct LineReader {
  std::string buffered;
  std::unique_ptr<std::array<char, 2048>> chunk = std::make_unique<std::array<char, 2048>>();
};

/// One status line without CRLF, or an error text.
boost::asio::awaitable<ocp::Expected<std::string, std::string>> read_status_line(MailStream& stream,
                                                                                  LineReader& reader,
                                                                                  Duration timeout) {
  for (;;) {
    const auto lf = reader.buffered.find('\n');
    if (lf != std::string::npos) {
      std::string line = reader.buffered.substr(0, lf);
      reader.buffered.erase(0, lf + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return line;
    }
    if (reader.buffered.size() >= kMaxStatusLine) co_return ocp::unexpected(std::string("an overlong response line"));
    const auto buffer = boost::asio::buffer(reader.chunk->data(), reader.chunk->size());
    const std::size_t count = co_await stream.read_some(buffer, timeout);
    if (count == 0) co_return ocp::unexpected(std::string("the connection closed"));
    reader.buffered.append(reader.chunk->data(), count);
  }
}

bool positive(std::string_view line) { return line == "+OK" || line.starts_with("+OK "); }

}  // namespace

host::HostTls pop3_upstream_tls(const host::HostRule& rule) {
  return rule.tls.value_or(host::HostTls::starttls);
}

boost::asio::awaitable<ocp::Expected<Pop3Upstream, Pop3UpstreamFailure>> open_pop3_upstream(
    HostConnection connection, TlsContext tls_context, Duration timeout) {
  const host::HostTls mode = pop3_upstream_tls(*connection.rule);
  const std::string server = connection.target.text();
  // RFC 6125 §6: the reference identity is what the client asked for, the
  // name or the IP literal, never an address the name resolved to.
  const std::string& server_name = connection.target.name;
  MailStream stream = std::move(connection.stream);
  LineReader reader;
  auto handshake = [&]() -> boost::asio::awaitable<std::optional<Pop3UpstreamFailure>> {
    if (!tls_context) co_return Pop3UpstreamFailure{"no TLS context for " + server, true};
    std::string error;
    try {
      co_await stream.connect_tls(*tls_context, server_name, connection.rule->verify, timeout);
      co_return std::nullopt;
    } catch (const boost::system::system_error& failure) {
      error = failure.code().message();
    }
    const std::string reason = describe_tls_failure(stream.verify_result(), server_name, error);
    co_return Pop3UpstreamFailure{"TLS with " + server + " failed: " + reason, true};
  };
  try {
    if (mode == host::HostTls::implicit) {
      auto handshaking = handshake();
      auto failed = co_await std::move(handshaking);
      if (failed) co_return ocp::unexpected(std::move(*failed));
    }
    auto greeting = co_await read_status_line(stream, reader, timeout);
    if (!greeting) co_return ocp::unexpected(Pop3UpstreamFailure{server + " sent no greeting: " + greeting.error()});
    if (!positive(*greeting)) co_return ocp::unexpected(Pop3UpstreamFailure{server + " did not greet with +OK"});
    if (mode == host::HostTls::starttls || mode == host::HostTls::opportunistic) {
      const std::string_view stls = "STLS\r\n";
      co_await stream.write(stls, timeout);
      auto answer = co_await read_status_line(stream, reader, timeout);
      if (!answer) co_return ocp::unexpected(Pop3UpstreamFailure{server + " did not answer STLS: " + answer.error()});
      if (positive(*answer)) {
        // RFC 2595 §4: nothing the server sent before the handshake counts.
        reader.buffered.clear();
        auto handshaking = handshake();
        auto failed = co_await std::move(handshaking);
        if (failed) co_return ocp::unexpected(std::move(*failed));
      } else if (mode == host::HostTls::starttls) {
        co_return ocp::unexpected(Pop3UpstreamFailure{server + " refused STLS", true});
      }
    }
    co_return Pop3Upstream{std::move(stream), std::move(*greeting), std::move(reader.buffered)};
  } catch (const boost::system::system_error& failure) {
    co_return ocp::unexpected(Pop3UpstreamFailure{server + ": " + failure.code().message()});
  }
}

}  // namespace opes::proxy
