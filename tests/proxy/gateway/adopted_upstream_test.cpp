// HOST's upstream (adopt_upstream, delivery.hpp): a connection made for the
// session, whose greeting the client gets as the reply to HOST; EHLO follows
// at the first MAIL, and a connection lost before then is made again to the
// same address. Scripted servers on 127.0.0.1, byte for byte.

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>

#include "opes/proxy/delivery.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "scripted_server.hpp"

namespace opes::proxy {
namespace {

using namespace std::chrono_literals;

Upstream named_upstream(std::uint16_t port) {
  Upstream upstream;
  upstream.address = "127.0.0.1";
  upstream.port = port;
  upstream.starttls = UpstreamTls::off;
  upstream.connect_timeout = Seconds{5};
  upstream.reply_timeout = Seconds{5};
  return upstream;
}

TEST_CASE("an adopted upstream: its multi-line greeting as read, EHLO only at the first MAIL") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = acceptor.local_endpoint().port();
  std::string received;
  asio::co_spawn(context,
                 scripted_server(acceptor, "220-mx.tenant.example ESMTP\r\n220 welcome\r\n",
                                 {{"EHLO gateway.example\r\n", "250-mx.tenant.example\r\n250 PIPELINING\r\n"},
                                  {"MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n"},
                                  {"QUIT\r\n", "221 2.0.0 Bye\r\n"}},
                                 received),
                 asio::detached);
  std::string greeting;
  std::string mail;
  std::string before_mail;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        MailStream stream = co_await MailStream::connect("127.0.0.1", port, 5s);
        auto adopted = co_await adopt_upstream(named_upstream(port), nullptr, "gateway.example", std::move(stream));
        REQUIRE(adopted);
        greeting = adopted->greeting.wire();
        before_mail = received;
        const smtp::PathArgument sender{"a@example.org", {}};
        Reply answer = co_await adopted->delivery->mail(sender);
        mail = answer.text();
        co_await adopted->delivery->quit();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(greeting == "220-mx.tenant.example ESMTP\r\n220 welcome\r\n");
  CHECK(before_mail.empty());
  CHECK(mail == "250 2.1.0 Ok");
  CHECK(received == "EHLO gateway.example\r\nMAIL FROM:<a@example.org>\r\nQUIT\r\n");
}

TEST_CASE("an adopted upstream that closed before the first MAIL is connected again at the same address") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = acceptor.local_endpoint().port();
  std::string received;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        {
          // The first connection: greeted, then closed while the client idled.
          tcp::socket first = co_await acceptor.async_accept(asio::use_awaitable);
          co_await asio::async_write(first, asio::buffer(std::string("220 first\r\n")), asio::use_awaitable);
          first.close();
        }
        co_await scripted_server(acceptor, "220 second\r\n",
                                 {{"EHLO gateway.example\r\n", "250 mx\r\n"},
                                  {"MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n"}},
                                 received);
      },
      asio::detached);
  std::string greeting;
  std::string mail;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        MailStream stream = co_await MailStream::connect("127.0.0.1", port, 5s);
        auto adopted = co_await adopt_upstream(named_upstream(port), nullptr, "gateway.example", std::move(stream));
        REQUIRE(adopted);
        greeting = adopted->greeting.text();
        asio::steady_timer idle(context, 100ms);
        co_await idle.async_wait(asio::use_awaitable);
        const smtp::PathArgument sender{"a@example.org", {}};
        Reply answer = co_await adopted->delivery->mail(sender);
        mail = answer.text();
        adopted->delivery->abort();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(greeting == "220 first");
  CHECK(mail == "250 2.1.0 Ok");
  CHECK(received == "EHLO gateway.example\r\nMAIL FROM:<a@example.org>\r\n");
}

TEST_CASE("an adopted upstream that says nothing usable: the error names the cause") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = acceptor.local_endpoint().port();
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        co_await asio::async_write(socket, asio::buffer(std::string("HTTP/1.1 400 Bad Request\r\n")),
                                   asio::use_awaitable);
        socket.close();
      },
      asio::detached);
  std::string error;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        MailStream stream = co_await MailStream::connect("127.0.0.1", port, 5s);
        auto adopted = co_await adopt_upstream(named_upstream(port), nullptr, "gateway.example", std::move(stream));
        REQUIRE_FALSE(adopted);
        error = adopted.error();
      },
      asio::detached);
  context.run_for(10s);
  CHECK_FALSE(error.empty());
}

}  // namespace
}  // namespace opes::proxy
