#include "opes/proxy/smtp_client_session.hpp"

#include <boost/system/system_error.hpp>

#include <array>
#include <utility>

#include "opes/proxy/tls.hpp"

namespace opes::proxy {

SmtpClientSession::SmtpClientSession(MailStream stream, ClientSessionSettings settings,
                                     std::string_view already_read)
    : stream_(std::move(stream)),
      core_(std::move(settings.core)),
      reply_timeout_(settings.reply_timeout) {
  if (!already_read.empty()) core_.receive(already_read);
}

asio::awaitable<ocp::Expected<SmtpClientSession, std::string>> SmtpClientSession::connect(
    std::string host, std::uint16_t port, Duration connect_timeout, ClientSessionSettings settings) {
  std::optional<MailStream> stream;
  std::string failure;
  try {
    MailStream connected = co_await MailStream::connect(std::move(host), port, connect_timeout);
    stream.emplace(std::move(connected));
  } catch (const boost::system::system_error& error) {
    failure = "cannot connect: " + error.code().message();
  }
  if (!stream) co_return ocp::unexpected(std::move(failure));
  co_return SmtpClientSession(std::move(*stream), std::move(settings));
}

asio::awaitable<ocp::Expected<void, std::string>> SmtpClientSession::flush() {
  if (core_.pending_output().empty()) co_return ocp::Expected<void, std::string>{};
  std::string failure;
  try {
    const std::string_view output = core_.pending_output();
    co_await stream_.write(output, reply_timeout_);
    core_.consume_output(output.size());
  } catch (const boost::system::system_error& error) {
    failure = "write: " + error.code().message();
  }
  if (!failure.empty()) co_return ocp::unexpected(std::move(failure));
  co_return ocp::Expected<void, std::string>{};
}

asio::awaitable<ocp::Expected<std::vector<smtp::ClientReply>, std::string>>
SmtpClientSession::exchange() {
  std::vector<smtp::ClientReply> replies;
  for (;;) {
    // The core may have queued a line itself (HELO after a refused EHLO).
    // Only then a flush() frame: this runs for every command.
    if (!core_.pending_output().empty()) {
      auto written = co_await flush();
      if (!written) co_return ocp::unexpected(std::move(written).error());
    }
    while (auto event = core_.next_event()) {
      if (auto* reply = std::get_if<smtp::ClientReply>(&*event)) {
        replies.push_back(std::move(*reply));
      } else {
        co_return ocp::unexpected(std::get<smtp::ClientFailed>(*event).reason);
      }
    }
    if (!core_.pending_output().empty()) continue;
    if (core_.closed() || core_.tls_pending() || core_.awaiting() == 0) co_return replies;
    std::size_t n = 0;
    std::string failure;
    try {
      n = co_await stream_.read_some(asio::buffer(read_buffer_), reply_timeout_);
    } catch (const boost::system::system_error& error) {
      failure = "waiting for a reply: " + error.code().message();
    }
    if (!failure.empty()) co_return ocp::unexpected(std::move(failure));
    if (n == 0) {
      core_.receive_eof();
    } else {
      core_.receive(std::string_view(read_buffer_.data(), n));
    }
  }
}

asio::awaitable<ocp::Expected<void, std::string>> SmtpClientSession::start_tls(
    asio::ssl::context& context, const std::string& server_name, bool verify_name, Duration timeout) {
  if (!core_.tls_pending()) co_return ocp::unexpected(std::string("no STARTTLS was answered 220"));
  std::string failure;
  try {
    co_await stream_.connect_tls(context, server_name, verify_name, timeout);
  } catch (const boost::system::system_error& error) {
    failure = describe_tls_failure(stream_.verify_result(), server_name, error.code().message());
  }
  if (!failure.empty()) co_return ocp::unexpected(std::move(failure));
  if (auto started = core_.tls_started(); !started) co_return ocp::unexpected(started.error().reason);
  co_return ocp::Expected<void, std::string>{};
}

}  // namespace opes::proxy
