// SmtpClientSession over real sockets on 127.0.0.1: the ClientCore driven
// on a connection it opens and on a stream handed to it with bytes already
// read; every wait ends at its timeout. The server is a script: the exact
// bytes it must receive, then what it answers.

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "opes/proxy/smtp_client_session.hpp"
#include "scripted_server.hpp"

namespace opes::proxy {
namespace {

using namespace std::chrono_literals;

ClientSessionSettings settings(bool greeting_read = false, Duration reply_timeout = 5s) {
  ClientSessionSettings settings;
  settings.core.helo_name = "proxy.example.org";
  settings.core.greeting_read = greeting_read;
  settings.reply_timeout = reply_timeout;
  return settings;
}

/// The replies as "STEP code text", or "error: reason".
std::vector<std::string> spelled(const ocp::Expected<std::vector<smtp::ClientReply>, std::string>& replies) {
  if (!replies) return {"error: " + replies.error()};
  std::vector<std::string> out;
  for (const auto& reply : *replies) out.push_back(std::string(smtp::describe(reply.step)) + " " + reply.reply.text());
  return out;
}

using Spelled = std::vector<std::string>;

TEST_CASE("a connection it opens: greeting, EHLO, then a pipelined RSET and MAIL in one write") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string received;
  std::vector<Spelled> seen;
  asio::co_spawn(context,
                 scripted_server(acceptor, "220 mx.example.com ESMTP\r\n",
                                 {{"EHLO proxy.example.org\r\n", "250-mx.example.com\r\n250 PIPELINING\r\n"},
                                  {"RSET\r\nMAIL FROM:<a@example.org>\r\n", "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n"},
                                  {"QUIT\r\n", "221 2.0.0 Bye\r\n"}},
                                 received),
                 asio::detached);
  const auto port = acceptor.local_endpoint().port();
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        // Named: GCC 12 mishandles temporaries in co_await expressions.
        std::string host = "127.0.0.1";
        ClientSessionSettings chosen = settings();
        auto connected = co_await SmtpClientSession::connect(host, port, 5s, chosen);
        REQUIRE(connected);
        SmtpClientSession& session = *connected;
        {
          auto replies = co_await session.exchange();  // named: GCC 12 and co_await temporaries
          seen.push_back(spelled(replies));
        }
        REQUIRE(session.core().ehlo());
        {
          auto replies = co_await session.exchange();  // named: GCC 12 and co_await temporaries
          seen.push_back(spelled(replies));
        }
        REQUIRE(session.core().rset());
        REQUIRE(session.core().mail(smtp::PathArgument{"a@example.org", {}}));
        {
          auto replies = co_await session.exchange();  // named: GCC 12 and co_await temporaries
          seen.push_back(spelled(replies));
        }
        REQUIRE(session.core().quit());
        {
          auto replies = co_await session.exchange();  // named: GCC 12 and co_await temporaries
          seen.push_back(spelled(replies));
        }
        CHECK(session.core().closed());
        session.close();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(received ==
        "EHLO proxy.example.org\r\nRSET\r\nMAIL FROM:<a@example.org>\r\nQUIT\r\n");
  CHECK(seen == std::vector<Spelled>{{"greeting 220 mx.example.com ESMTP"},
                                     {"EHLO 250-mx.example.com\r\n250 PIPELINING"},
                                     {"RSET 250 2.0.0 Ok", "MAIL 250 2.1.0 Ok"},
                                     {"QUIT 221 2.0.0 Bye"}});
}

TEST_CASE("a stream handed over with part of the greeting already read") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string received;
  std::vector<Spelled> seen;
  // The previous owner read "220 customer.exa"; the rest comes on the wire.
  asio::co_spawn(context,
                 scripted_server(acceptor, "mple ESMTP\r\n",
                                 {{"EHLO proxy.example.org\r\n", "250 customer.example\r\n"}}, received),
                 asio::detached);
  const auto port = acceptor.local_endpoint().port();
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        std::string host = "127.0.0.1";
        MailStream stream = co_await MailStream::connect(host, port, 5s);
        SmtpClientSession session(std::move(stream), settings(), "220 customer.exa");  // not awaited
        {
          auto replies = co_await session.exchange();  // named: GCC 12 and co_await temporaries
          seen.push_back(spelled(replies));
        }
        REQUIRE(session.core().ehlo());
        {
          auto replies = co_await session.exchange();  // named: GCC 12 and co_await temporaries
          seen.push_back(spelled(replies));
        }
        session.close();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(received == "EHLO proxy.example.org\r\n");
  CHECK(seen == std::vector<Spelled>{{"greeting 220 customer.example ESMTP"},
                                     {"EHLO 250 customer.example"}});
}

TEST_CASE("a stream handed over after its greeting was relayed: EHLO first") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string received;
  Spelled seen;
  asio::co_spawn(context,
                 scripted_server(acceptor, "",
                                 {{"EHLO proxy.example.org\r\n", "502 5.5.2 what?\r\n"},
                                  {"HELO proxy.example.org\r\n", "250 old.example\r\n"}},
                                 received),
                 asio::detached);
  const auto port = acceptor.local_endpoint().port();
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        std::string host = "127.0.0.1";
        MailStream stream = co_await MailStream::connect(host, port, 5s);
        SmtpClientSession session(std::move(stream), settings(true));
        REQUIRE(session.core().ehlo());
        auto replies = co_await session.exchange();
        seen = spelled(replies);
        CHECK(session.core().greeted());
        session.close();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(received == "EHLO proxy.example.org\r\nHELO proxy.example.org\r\n");
  CHECK(seen == Spelled{"HELO 250 old.example"});
}

TEST_CASE("a silent server ends the wait at the reply timeout, a refused port at connect") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string received;
  Spelled silent;
  std::string refused;
  std::uint16_t closed_port = 0;
  {
    tcp::acceptor probe(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  asio::co_spawn(context, scripted_server(acceptor, "", {}, received), asio::detached);
  const auto port = acceptor.local_endpoint().port();
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        std::string host = "127.0.0.1";
        ClientSessionSettings quick = settings(false, 100ms);
        ClientSessionSettings chosen = settings();
        auto connected = co_await SmtpClientSession::connect(host, port, 5s, quick);
        REQUIRE(connected);
        auto replies = co_await connected->exchange();
        silent = spelled(replies);
        connected->close();
        auto none = co_await SmtpClientSession::connect(host, closed_port, 5s, chosen);
        REQUIRE_FALSE(none);
        refused = none.error();
      },
      asio::detached);
  context.run_for(10s);
  REQUIRE(silent.size() == 1);
  CHECK(silent.front().starts_with("error: waiting for a reply: "));
  CHECK(refused == "cannot connect: Connection refused");
}

}  // namespace
}  // namespace opes::proxy
