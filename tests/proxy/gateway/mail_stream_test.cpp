// MailStream over real sockets on 127.0.0.1: errors end a wait when they
// happen, and only silence waits for the timeout.

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <array>
#include <chrono>

#include "opes/proxy/mail_stream.hpp"

namespace opes::proxy {
namespace {

using namespace std::chrono_literals;

/// Runs `body` on a fresh io_context and returns the error code it ended
/// with (success when it returned).
template <class Body>
boost::system::error_code run(Body body) {
  asio::io_context context;
  boost::system::error_code result;
  asio::co_spawn(context, body(context), [&](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const boost::system::system_error& error) {
      result = error.code();
    }
  });
  context.run();
  return result;
}

TEST_CASE("a reset by the peer ends a read with connection_reset, not with the timeout") {
  const auto ended = run([](asio::io_context& context) -> asio::awaitable<void> {
    tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = acceptor.local_endpoint().port();
    MailStream client = co_await MailStream::connect("127.0.0.1", port, 5s);
    tcp::socket server = co_await acceptor.async_accept(asio::use_awaitable);
    // SO_LINGER 0: close() sends RST.
    server.set_option(asio::socket_base::linger(true, 0));
    server.close();
    std::array<char, 16> buffer;
    (void)co_await client.read_some(asio::buffer(buffer), 600s);
  });
  CHECK(ended == asio::error::connection_reset);
}

TEST_CASE("a closed port fails the connect with connection_refused, not with the timeout") {
  const auto ended = run([](asio::io_context& context) -> asio::awaitable<void> {
    std::uint16_t port = 0;
    {
      tcp::acceptor probe(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      port = probe.local_endpoint().port();
    }
    (void)co_await MailStream::connect("127.0.0.1", port, 600s);
  });
  CHECK(ended == asio::error::connection_refused);
}

TEST_CASE("a silent peer ends a read with timed_out") {
  const auto ended = run([](asio::io_context& context) -> asio::awaitable<void> {
    tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    MailStream client = co_await MailStream::connect("127.0.0.1", acceptor.local_endpoint().port(), 5s);
    tcp::socket server = co_await acceptor.async_accept(asio::use_awaitable);
    std::array<char, 16> buffer;
    (void)co_await client.read_some(asio::buffer(buffer), 50ms);
  });
  CHECK(ended == asio::error::timed_out);
}

TEST_CASE("the peer's orderly close reads as 0 octets") {
  std::size_t read = 99;
  const auto ended = run([&](asio::io_context& context) -> asio::awaitable<void> {
    tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    MailStream client = co_await MailStream::connect("127.0.0.1", acceptor.local_endpoint().port(), 5s);
    tcp::socket server = co_await acceptor.async_accept(asio::use_awaitable);
    server.shutdown(tcp::socket::shutdown_both);
    std::array<char, 16> buffer;
    read = co_await client.read_some(asio::buffer(buffer), 5s);
  });
  CHECK_FALSE(ended);
  CHECK(read == 0);
}

}  // namespace
}  // namespace opes::proxy
