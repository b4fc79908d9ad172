// The upstream delivery (ClientCore through SmtpClientSession) against
// scripted servers on 127.0.0.1: what goes upstream, byte for byte, and
// what the client is told.

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "opes/proxy/delivery.hpp"
#include "opes/proxy/tls.hpp"
#include "scripted_server.hpp"

namespace opes::proxy {
namespace {

using namespace std::chrono_literals;

Upstream upstream_on(std::uint16_t port, ForwardClient forward = ForwardClient::off) {
  Upstream upstream;
  upstream.address = "127.0.0.1";
  upstream.port = port;
  upstream.starttls = UpstreamTls::off;
  upstream.forward_client = forward;
  upstream.connect_timeout = Seconds{5};
  upstream.reply_timeout = Seconds{5};
  return upstream;
}

/// Two scripted connections, one after the other (the second once the
/// client dropped the first).
asio::awaitable<void> two_connections(tcp::acceptor& acceptor, std::vector<Turn> first,
                                      std::vector<Turn> second, std::string& received) {
  co_await scripted_server(acceptor, "220 mx.example.com ESMTP\r\n", std::move(first), received);
  received += "|";  // where the second connection starts
  co_await scripted_server(acceptor, "220 mx.example.com ESMTP\r\n", std::move(second), received);
}

TEST_CASE("SMTPUTF8 to an upstream without it: 553 5.6.7 from the proxy, the pipelined XFORWARD still settled") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const Upstream upstream = upstream_on(acceptor.local_endpoint().port(), ForwardClient::xforward);
  std::string received;
  asio::co_spawn(
      context,
      scripted_server(acceptor, "220 mx.example.com ESMTP\r\n",
                      {{"EHLO proxy.example.org\r\n", "250-mx.example.com\r\n250-PIPELINING\r\n250 XFORWARD ADDR PROTO\r\n"},
                       {"XFORWARD PROTO=ESMTP ADDR=192.0.2.7\r\n", "250 2.0.0 Ok\r\n"},
                       {"XFORWARD PROTO=ESMTP ADDR=192.0.2.7\r\nMAIL FROM:<a@example.org>\r\n",
                        "550 5.7.1 not today\r\n250 2.1.0 Ok\r\n"},
                       {"QUIT\r\n", "221 2.0.0 Bye\r\n"}},
                      received),
      asio::detached);
  std::vector<std::string> replies;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        auto delivery = make_upstream_delivery(upstream, nullptr, "proxy.example.org");
        delivery->set_client(smtp::ForwardedClient{"192.0.2.7", 0, "", true, ""});
        const smtp::PathArgument utf8{"a@example.org", {{"SMTPUTF8", ""}}};
        Reply refused = co_await delivery->mail(utf8);
        replies.push_back(refused.text());
        CHECK(delivery->reusable());
        const smtp::PathArgument ascii{"a@example.org", {}};
        Reply accepted = co_await delivery->mail(ascii);  // XFORWARD refused: logged, the mail goes on
        replies.push_back(accepted.text());
        co_await delivery->quit();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(replies == std::vector<std::string>{"553 5.6.7 The next hop does not support SMTPUTF8",
                                            "250 2.1.0 Ok"});
  CHECK(received ==
        "EHLO proxy.example.org\r\nXFORWARD PROTO=ESMTP ADDR=192.0.2.7\r\n"
        "XFORWARD PROTO=ESMTP ADDR=192.0.2.7\r\nMAIL FROM:<a@example.org>\r\nQUIT\r\n");
}

TEST_CASE("a cached connection that answers MAIL with 421 is replaced and the MAIL sent again") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const Upstream upstream = upstream_on(acceptor.local_endpoint().port());
  std::string received;
  asio::co_spawn(context,
                 two_connections(acceptor,
                                 {{"EHLO proxy.example.org\r\n", "250 mx.example.com\r\n"},
                                  {"MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n"},
                                  {"RSET\r\n", "250 2.0.0 Ok\r\n"},
                                  {"MAIL FROM:<b@example.org>\r\n", "421 4.4.2 mx.example.com Error: timeout exceeded\r\n"}},
                                 {{"EHLO proxy.example.org\r\n", "250 mx.example.com\r\n"},
                                  {"MAIL FROM:<b@example.org>\r\n", "250 2.1.0 Ok\r\n"},
                                  {"QUIT\r\n", "221 2.0.0 Bye\r\n"}},
                                 received),
                 asio::detached);
  std::vector<std::string> replies;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        auto delivery = make_upstream_delivery(upstream, nullptr, "proxy.example.org");
        const smtp::PathArgument first{"a@example.org", {}};
        Reply one = co_await delivery->mail(first);
        replies.push_back(one.text());
        co_await delivery->reset();
        CHECK(delivery->reusable());
        delivery->prepare_reuse();  // as DeliveryCache::take() does
        const smtp::PathArgument second{"b@example.org", {}};
        Reply two = co_await delivery->mail(second);
        replies.push_back(two.text());
        co_await delivery->quit();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(replies == std::vector<std::string>{"250 2.1.0 Ok", "250 2.1.0 Ok"});
  CHECK(received ==
        "EHLO proxy.example.org\r\nMAIL FROM:<a@example.org>\r\nRSET\r\nMAIL FROM:<b@example.org>\r\n"
        "|EHLO proxy.example.org\r\nMAIL FROM:<b@example.org>\r\nQUIT\r\n");
}

TEST_CASE("a 421 to MAIL on a fresh connection is the client's reply, and the connection is not kept") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const Upstream upstream = upstream_on(acceptor.local_endpoint().port());
  std::string received;
  asio::co_spawn(context,
                 scripted_server(acceptor, "220 mx.example.com ESMTP\r\n",
                                 {{"EHLO proxy.example.org\r\n", "250 mx.example.com\r\n"},
                                  {"MAIL FROM:<a@example.org>\r\n", "421 4.3.2 shutting down\r\n"}},
                                 received),
                 asio::detached);
  std::string reply;
  bool reusable = true;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        auto delivery = make_upstream_delivery(upstream, nullptr, "proxy.example.org");
        const smtp::PathArgument from{"a@example.org", {}};
        Reply answer = co_await delivery->mail(from);
        reply = answer.text();
        reusable = delivery->reusable();
        co_await delivery->quit();  // nothing more goes to a server that said 421
      },
      asio::detached);
  context.run_for(10s);
  CHECK(reply == "421 4.3.2 shutting down");
  CHECK_FALSE(reusable);
  CHECK(received == "EHLO proxy.example.org\r\nMAIL FROM:<a@example.org>\r\n");
}

TEST_CASE("no upstream listening, or a 554 greeting: 451 4.4.1 for the client") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::uint16_t closed_port = 0;
  {
    tcp::acceptor probe(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  const Upstream refusing = upstream_on(acceptor.local_endpoint().port());
  const Upstream absent = upstream_on(closed_port);
  std::string received;
  asio::co_spawn(context,
                 scripted_server(acceptor, "554 5.7.1 No SMTP service here\r\n", {}, received),
                 asio::detached);
  std::vector<std::string> replies;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        const smtp::PathArgument from{"a@example.org", {}};
        const std::array<const Upstream*, 2> upstreams{&absent, &refusing};
        for (const Upstream* upstream : upstreams) {
          auto delivery = make_upstream_delivery(*upstream, nullptr, "proxy.example.org");
          Reply answer = co_await delivery->mail(from);
          replies.push_back(answer.text());
          CHECK_FALSE(delivery->reusable());
        }
      },
      asio::detached);
  context.run_for(10s);
  CHECK(replies == std::vector<std::string>{"451 4.4.1 Upstream mail server unavailable, try again later",
                                            "451 4.4.1 Upstream mail server unavailable, try again later"});
  CHECK(received.empty());
}

TEST_CASE("RFC 3207 4.2: a reply behind the 220 to STARTTLS fails the delivery, opportunistic included") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Upstream upstream = upstream_on(acceptor.local_endpoint().port());
  upstream.starttls = UpstreamTls::opportunistic;
  upstream.check.verify = false;
  auto tls = make_client_tls(upstream.check);
  REQUIRE(tls);
  std::string received;
  asio::co_spawn(context,
                 scripted_server(acceptor, "220 mx.example.com ESMTP\r\n",
                                 {{"EHLO proxy.example.org\r\n", "250-mx.example.com\r\n250 STARTTLS\r\n"},
                                  {"STARTTLS\r\n", "220 2.0.0 Ready\r\n250-mx.example.com\r\n250 AUTH PLAIN\r\n"}},
                                 received),
                 asio::detached);
  std::string reply;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        auto delivery = make_upstream_delivery(upstream, *tls, "proxy.example.org");
        const smtp::PathArgument from{"a@example.org", {}};
        Reply answer = co_await delivery->mail(from);
        reply = answer.text();
        CHECK_FALSE(delivery->reusable());
      },
      asio::detached);
  context.run_for(10s);
  CHECK(reply == "451 4.4.1 Upstream mail server unavailable, try again later");
  CHECK(received == "EHLO proxy.example.org\r\nSTARTTLS\r\n");  // no handshake
  // No plain-text retry either: no second connection waits.
  acceptor.non_blocking(true);
  boost::system::error_code none;
  (void)acceptor.accept(none);
  CHECK(none == asio::error::would_block);
}

/// One message MAIL, RCPT, DATA, content; the replies' texts into `replies`.
asio::awaitable<void> deliver_one(Delivery& delivery, std::vector<std::string>& replies) {
  const smtp::PathArgument from{"a@example.org", {}};
  const smtp::PathArgument to{"b@example.com", {}};
  Reply mail = co_await delivery.mail(from);
  Reply rcpt = co_await delivery.rcpt(to);
  std::optional<Reply> refused = co_await delivery.begin_data();
  CHECK_FALSE(refused);
  co_await delivery.write_data("hello\r\n");
  Reply end = co_await delivery.end_data();
  replies.push_back(mail.text() + " / " + rcpt.text() + " / " + end.text());
}

const std::vector<Turn> kOneMessage{{"MAIL FROM:<a@example.org>\r\n", "250 2.1.0 Ok\r\n"},
                                    {"RCPT TO:<b@example.com>\r\n", "250 2.1.5 Ok\r\n"},
                                    {"DATA\r\n", "354 go ahead\r\n"},
                                    {"hello\r\n.\r\n", "250 2.0.0 queued as 1\r\n"}};

TEST_CASE("RFC 2920: a generated message goes as MAIL, RCPT and DATA in one group to a PIPELINING upstream") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const Upstream upstream = upstream_on(acceptor.local_endpoint().port());
  std::vector<Turn> turns{{"EHLO proxy.example.org\r\n", "250-mx.example.com\r\n250 PIPELINING\r\n"}};
  turns.insert(turns.end(), kOneMessage.begin(), kOneMessage.end());
  turns.push_back({"MAIL FROM:<>\r\nRCPT TO:<a@example.org>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n",
                   "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n", true});
  turns.push_back({"Subject: notice\r\n\r\n..dot\r\n.\r\n", "250 2.0.0 queued as 2\r\n"});
  turns.push_back({"QUIT\r\n", "221 2.0.0 Bye\r\n"});
  std::string received;
  asio::co_spawn(context, scripted_server(acceptor, "220 mx.example.com ESMTP\r\n", turns, received),
                 asio::detached);
  std::vector<std::string> replies;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        auto delivery = make_upstream_delivery(upstream, nullptr, "proxy.example.org");
        co_await deliver_one(*delivery, replies);
        const GeneratedMessage notice{smtp::PathArgument{"", {}},
                                      {smtp::PathArgument{"a@example.org", {}},
                                       smtp::PathArgument{"nobody@example.org", {}}},
                                      "Subject: notice\r\n\r\n.dot\r\n"};
        Reply sent = co_await delivery->send_generated(notice);
        replies.push_back(sent.text());
        CHECK(delivery->reusable());
        co_await delivery->quit();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(replies == std::vector<std::string>{"250 2.1.0 Ok / 250 2.1.5 Ok / 250 2.0.0 queued as 1",
                                            "250 2.0.0 queued as 2"});
  CHECK(received.ends_with("\r\n.\r\nQUIT\r\n"));
}

TEST_CASE("a generated message without PIPELINING goes step by step, and with no recipient accepted it is reset") {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const Upstream upstream = upstream_on(acceptor.local_endpoint().port());
  std::vector<Turn> turns{{"EHLO proxy.example.org\r\n", "250-mx.example.com\r\n250 8BITMIME\r\n"}};
  turns.insert(turns.end(), kOneMessage.begin(), kOneMessage.end());
  turns.push_back({"MAIL FROM:<>\r\n", "250 2.1.0 Ok\r\n"});
  turns.push_back({"RCPT TO:<nobody@example.org>\r\n", "550 5.1.1 no such user\r\n"});
  turns.push_back({"RSET\r\n", "250 2.0.0 Ok\r\n"});
  std::string received;
  asio::co_spawn(context, scripted_server(acceptor, "220 mx.example.com ESMTP\r\n", turns, received),
                 asio::detached);
  std::vector<std::string> replies;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        auto delivery = make_upstream_delivery(upstream, nullptr, "proxy.example.org");
        co_await deliver_one(*delivery, replies);
        const GeneratedMessage notice{smtp::PathArgument{"", {}},
                                      {smtp::PathArgument{"nobody@example.org", {}}},
                                      "Subject: notice\r\n\r\nbody\r\n"};
        Reply sent = co_await delivery->send_generated(notice);
        replies.push_back(sent.text());
        CHECK(delivery->reusable());
        delivery->abort();
      },
      asio::detached);
  context.run_for(10s);
  CHECK(replies == std::vector<std::string>{"250 2.1.0 Ok / 250 2.1.5 Ok / 250 2.0.0 queued as 1",
                                            "550 5.1.1 no such user"});
  CHECK(received.ends_with("\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<nobody@example.org>\r\nRSET\r\n"));
}

}  // namespace
}  // namespace opes::proxy
