// ServerCore handing its connection over (ATRN, RFC 2645; HOST): the
// released state and the octets it received but did not read.
#include <doctest/doctest.h>

#include <string>

#include "opes/smtp/server_core.hpp"
#include "session.hpp"

namespace opes::smtp::test {

namespace {

void release(ServerCore& core, std::string_view text) {
  auto done = core.reply_and_release(reply(text));
  REQUIRE_MESSAGE(done, (done ? "" : done.error().reason));
}

}  // namespace

TEST_CASE("RFC 2645: after 250 to ATRN the pipelined octets are handed over exactly once") {
  ServerCore core = greeted_core();
  // The customer's side already sent its greeting behind ATRN (a client
  // that does not wait), then a partial line.
  CHECK(feed(core, "ATRN example.net\r\n220 customer.example ESMTP\r\n250-cust") ==
        Events{"command ATRN example.net"});
  release(core, "250 2.0.0 OK now reversing the connection");
  CHECK(core.released());
  CHECK_FALSE(core.closed());
  CHECK_FALSE(core.wants_input());
  CHECK(drain(core).empty());
  // The reply is still flushed before the stream changes hands.
  CHECK(core.should_flush());
  CHECK(take_output(core) == "250 2.0.0 OK now reversing the connection\r\n");
  CHECK(core.take_unread() == "220 customer.example ESMTP\r\n250-cust");
  CHECK(core.take_unread().empty());
}

TEST_CASE("a released core reads nothing more and produces no events") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "ATRN\r\n").size() == 1);
  release(core, "250 OK");
  core.receive("NOOP\r\nQUIT\r\n");
  core.receive_eof();
  CHECK(drain(core).empty());
  CHECK(take_output(core) == "250 OK\r\n");
  CHECK(core.take_unread().empty());
  CHECK_FALSE(core.reply(reply("250 Ok")));
}

TEST_CASE("nothing is unread when the client waited for the reply") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "ATRN\r\n").size() == 1);
  release(core, "250 OK");
  CHECK(core.take_unread().empty());
}

TEST_CASE("pending replies of earlier pipelined commands are flushed with the hand-over reply") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "NOOP\r\nRSET\r\nATRN\r\nEHLO x\r\n") == Events{"reset", "command ATRN"});
  CHECK_FALSE(core.should_flush());  // EHLO waits behind ATRN (RFC 2920 3.2)
  release(core, "250 OK");
  CHECK(core.should_flush());
  CHECK(take_output(core) == "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 OK\r\n");
  CHECK(core.take_unread() == "EHLO x\r\n");
}

TEST_CASE("HOST answered with the relayed greeting hands the connection over") {
  ServerOptions options;
  options.host_first = true;
  ServerCore core({}, options);
  CHECK(feed(core, "HOST mail.example.com\r\nEHLO client.example\r\n") ==
        Events{"command HOST mail.example.com"});
  release(core, "220 mail.example.com ESMTP ready");
  CHECK(take_output(core) == "220 mail.example.com ESMTP ready\r\n");
  CHECK(core.take_unread() == "EHLO client.example\r\n");
}

TEST_CASE("only a positive reply to an awaited command can hand the connection over") {
  ServerCore core = greeted_core();
  CHECK_FALSE(core.reply_and_release(reply("250 OK")));  // nothing awaits a reply
  CHECK(feed(core, "ATRN\r\nNOOP\r\n") == Events{"command ATRN"});
  CHECK_FALSE(core.reply_and_release(reply("450 4.4.0 No queued mail")));
  CHECK_FALSE(core.released());
  answer(core, "450 4.4.0 No queued mail");  // the refusal is an ordinary reply
  CHECK(drain(core).empty());
  CHECK(take_output(core) == "450 4.4.0 No queued mail\r\n250 2.0.0 Ok\r\n");
  CHECK(core.take_unread().empty());  // not released: nothing to hand over

  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n").size() == 1);
  answer(core, "250 Ok");
  CHECK(drain(core).size() == 1);
  answer(core, "250 Ok");
  CHECK(drain(core) == Events{"command DATA"});
  CHECK_FALSE(core.reply_and_release(reply("250 Ok")));  // DATA and STARTTLS never
  CHECK_FALSE(core.released());
}

TEST_CASE("a continuation line cannot hand the connection over") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH LOGIN\r\n").size() == 1);
  answer(core, "334 VXNlcm5hbWU6");
  CHECK(feed(core, "dXNlcg==\r\n").size() == 1);
  CHECK_FALSE(core.reply_and_release(reply("235 2.7.0 Ok")));
  answer(core, "535 5.7.8 no");
}

TEST_CASE("a hand-over after TLS returns the octets received under TLS") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "STARTTLS\r\n").size() == 1);
  answer(core, "220 Go ahead");
  CHECK(drain(core) == Events{"tls"});
  REQUIRE(core.tls_started());
  take_output(core);
  CHECK(feed(core, "EHLO client.example\r\n").size() == 1);
  answer(core, "250 mx.example.org");
  CHECK(feed(core, "ATRN\r\n\r\n") == Events{"command ATRN"});
  release(core, "250 OK");
  CHECK(core.take_unread() == "\r\n");
  CHECK(core.tls_active());
}

}  // namespace opes::smtp::test
