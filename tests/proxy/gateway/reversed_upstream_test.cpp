// ODMR's reversed connection (adopt_upstream with the octets read behind
// ATRN, delivery.hpp): the customer's greeting may already be among them,
// and a connection that is gone is never made again (there is no address
// to connect to). Scripted customers on 127.0.0.1, byte for byte.

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "opes/proxy/delivery.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "scripted_server.hpp"

namespace opes::proxy {
namespace {

using namespace std::chrono_literals;

Upstream customer_side() {
  Upstream upstream;
  upstream.address = "127.0.0.1:4242";
  upstream.port = 0;  // no address: the connection was handed over
  upstream.starttls = UpstreamTls::off;
  upstream.reply_timeout = Seconds{5};
  return upstream;
}

TEST_CASE("RFC 2645 5.3: a greeting the customer sent behind ATRN is read first, then EHLO and MAIL") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = acceptor.local_endpoint().port();
  std::string received;
  // The server side of the test socket plays the customer; its greeting was
  // "read by the provider's server core" already, so it sends none itself.
  asio::co_spawn(context,
                 scripted_server(acceptor, "",
                                 {{"EHLO gateway.example\r\n", "250-customer.example\r\n250 8BITMIME\r\n"},
                                  {"MAIL FROM:<a@example.net>\r\n", "250 2.1.0 Ok\r\n"},
                                  {"QUIT\r\n", "221 2.0.0 Bye\r\n"}},
                                 received),
                 asio::detached);
  std::string greeting;
  std::string mail;
  std::string description;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        MailStream stream = co_await MailStream::connect("127.0.0.1", port, 5s);
        std::string behind_atrn = "220 customer.example ready\r\n";
        auto adopted = co_await adopt_upstream(customer_side(), nullptr, "gateway.example", std::move(stream),
                                               std::move(behind_atrn));
        REQUIRE(adopted);
        greeting = adopted->greeting.wire();
        description = adopted->delivery->describe();
        const smtp::PathArgument sender{"a@example.net", {}};
        Reply answer = co_await adopted->delivery->mail(sender);
        mail = answer.text();
        co_await adopted->delivery->quit();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(greeting == "220 customer.example ready\r\n");
  CHECK(description == "customer 127.0.0.1:4242");
  CHECK(mail == "250 2.1.0 Ok");
  CHECK(received == "EHLO gateway.example\r\nMAIL FROM:<a@example.net>\r\nQUIT\r\n");
}

TEST_CASE("a reversed connection the customer closed is not made again: 451 and nothing is connected") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = acceptor.local_endpoint().port();
  int accepted = 0;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        ++accepted;
        const std::string greeting = "220 customer\r\n";
        co_await asio::async_write(socket, asio::buffer(greeting), asio::use_awaitable);
        socket.close();
        // A second accept would mean a reconnection attempt.
        tcp::socket again = co_await acceptor.async_accept(asio::use_awaitable);
        ++accepted;
      },
      asio::detached);
  Reply mail;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        MailStream stream = co_await MailStream::connect("127.0.0.1", port, 5s);
        auto adopted = co_await adopt_upstream(customer_side(), nullptr, "gateway.example", std::move(stream),
                                               std::string());
        REQUIRE(adopted);
        asio::steady_timer idle(context, 100ms);
        co_await idle.async_wait(asio::use_awaitable);
        const smtp::PathArgument sender{"a@example.net", {}};
        mail = co_await adopted->delivery->mail(sender);
        adopted->delivery->abort();
      },
      asio::detached);
  context.run_for(3s);
  CHECK(mail.code == 451);
  CHECK(accepted == 1);
}

}  // namespace
}  // namespace opes::proxy

namespace opes::proxy {
namespace {

TEST_CASE("RFC 2645 5.2.1: with nothing to send the reversed session says EHLO, then QUIT") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = acceptor.local_endpoint().port();
  std::string received;
  asio::co_spawn(context,
                 scripted_server(acceptor, "220 customer.example\r\n",
                                 {{"EHLO gateway.example\r\n", "250 customer.example\r\n"},
                                  {"QUIT\r\n", "221 2.0.0 Bye\r\n"}},
                                 received),
                 asio::detached);
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        MailStream stream = co_await MailStream::connect("127.0.0.1", port, 5s);
        auto adopted = co_await adopt_upstream(customer_side(), nullptr, "gateway.example", std::move(stream),
                                               std::string());
        REQUIRE(adopted);
        co_await adopted->delivery->quit();
      },
      asio::detached);
  context.run_for(5s);
  CHECK(received == "EHLO gateway.example\r\nQUIT\r\n");
}

}  // namespace
}  // namespace opes::proxy
