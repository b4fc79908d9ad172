// ClientCore and PIPELINING (RFC 2920): groups sent at once, replies
// matched in order.
#include <doctest/doctest.h>

#include "client_session.hpp"

namespace opes::smtp::test {

TEST_CASE("RFC 2920 3.1: RSET, MAIL, RCPT, RCPT and DATA as one group, replies matched in order") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.rset());
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {{"SIZE", "300"}}}));
  REQUIRE_SENT(core.rcpt(PathArgument{"b@example.com", {}}));
  REQUIRE_SENT(core.rcpt(PathArgument{"c@example.com", {}}));
  REQUIRE_SENT(core.data());
  CHECK(core.awaiting() == 5);
  // DATA ends the group: nothing may follow it before its reply.
  CHECK_FALSE(core.may_send(ClientStep::rset));
  CHECK_FALSE(core.quit().has_value());
  CHECK(sent(core) ==
        "RSET\r\nMAIL FROM:<a@example.org> SIZE=300\r\nRCPT TO:<b@example.com>\r\n"
        "RCPT TO:<c@example.com>\r\nDATA\r\n");
  CHECK(server_says(core, "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n550 5.1.1 unknown user\r\n250 2.1.5 Ok\r\n"
                          "354 go ahead\r\n") ==
        ClientEvents{"RSET 250 2.0.0 Ok", "MAIL 250 2.1.0 Ok", "RCPT 550 5.1.1 unknown user",
                     "RCPT 250 2.1.5 Ok", "DATA 354 go ahead"});
  CHECK(core.in_content());
  CHECK(core.awaiting() == 0);
}

TEST_CASE("RFC 2920: the replies of a group may come split anywhere") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  REQUIRE_SENT(core.rcpt(PathArgument{"b@example.com", {}}));
  (void)sent(core);
  CHECK(server_says(core, "250 2.1.0 O") == ClientEvents{});
  CHECK(server_says(core, "k\r\n25") == ClientEvents{"MAIL 250 2.1.0 Ok"});
  CHECK(server_says(core, "0 2.1.5 Ok\r\n") == ClientEvents{"RCPT 250 2.1.5 Ok"});
}

TEST_CASE("XFORWARD stands inside a group: XFORWARD then MAIL at once") {
  ClientCore core = greeted_client(
      "250-mx.example.com\r\n250-PIPELINING\r\n250 XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE\r\n");
  REQUIRE_SENT(core.forward(ForwardCommand::xforward, "XFORWARD ADDR=192.0.2.7 PORT=4000\r\n"));
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  CHECK(sent(core) == "XFORWARD ADDR=192.0.2.7 PORT=4000\r\nMAIL FROM:<a@example.org>\r\n");
  CHECK(server_says(core, "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n") ==
        ClientEvents{"XFORWARD 250 2.0.0 Ok", "MAIL 250 2.1.0 Ok"});
}

TEST_CASE("EHLO, XCLIENT, STARTTLS, NOOP and QUIT end a group") {
  for (auto last : {ClientStep::ehlo, ClientStep::noop, ClientStep::quit, ClientStep::starttls}) {
    CAPTURE(describe(last));
    ClientCore core = greeted_client();
    switch (last) {
      case ClientStep::ehlo: REQUIRE_SENT(core.ehlo()); break;
      case ClientStep::noop: REQUIRE_SENT(core.noop()); break;
      case ClientStep::quit: REQUIRE_SENT(core.quit()); break;
      default: REQUIRE_SENT(core.starttls()); break;
    }
    CHECK_FALSE(core.may_send(ClientStep::rset));
    CHECK_FALSE(core.may_send(ClientStep::mail));
  }
}

TEST_CASE("the final dot may start a group: dot and QUIT at once") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  REQUIRE_SENT(core.rcpt(PathArgument{"b@example.com", {}}));
  REQUIRE_SENT(core.data());
  (void)sent(core);
  CHECK(server_says(core, "250 Ok\r\n250 Ok\r\n354 go\r\n").size() == 3);
  REQUIRE_SENT(core.content("x"));
  REQUIRE_SENT(core.end_content());
  REQUIRE_SENT(core.quit());
  CHECK(sent(core) == "x\r\n.\r\nQUIT\r\n");
  CHECK(server_says(core, "250 2.0.0 queued\r\n221 2.0.0 Bye\r\n") ==
        ClientEvents{"end of data 250 2.0.0 queued", "QUIT 221 2.0.0 Bye"});
  CHECK(core.closed());
}

TEST_CASE("without PIPELINING one command at a time") {
  ClientCore core = greeted_client("250-mx.example.com\r\n250 SIZE\r\n");
  REQUIRE_SENT(core.rset());
  auto refused = core.mail(PathArgument{"a@example.org", {}});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().reason == "MAIL may not be sent now");
  CHECK_FALSE(refused.error().reply);
  CHECK(sent(core) == "RSET\r\n");
}

TEST_CASE("421 inside a group: the commands behind it stay unanswered") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.rset());
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  REQUIRE_SENT(core.rcpt(PathArgument{"b@example.com", {}}));
  (void)sent(core);
  CHECK(server_says(core, "421 4.4.2 idle too long\r\n") == ClientEvents{"RSET 421 4.4.2 idle too long"});
  CHECK(core.closed());
  CHECK(core.awaiting() == 0);
}

TEST_CASE("a group is bounded by max_pipelined") {
  ClientOptions options;
  options.limits.max_pipelined = 2;
  ClientCore core = greeted_client(kEhloReply, options);
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  REQUIRE_SENT(core.rcpt(PathArgument{"b@example.com", {}}));
  CHECK_FALSE(core.rcpt(PathArgument{"c@example.com", {}}).has_value());
  CHECK(server_says(core, "250 Ok\r\n").size() == 1);
  REQUIRE_SENT(core.rcpt(PathArgument{"c@example.com", {}}));
}

TEST_CASE("a reply nobody asked for waits for the next command") {
  ClientCore core = greeted_client();
  CHECK(server_says(core, "421 4.4.2 timeout\r\n").empty());
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  CHECK(drain(core) == ClientEvents{"MAIL 421 4.4.2 timeout"});
  CHECK(core.closed());
}

TEST_CASE("bytes nobody asked for are held only up to max_unread") {
  ClientOptions options;
  options.limits.max_unread = 64;
  ClientCore core = greeted_client(kEhloReply, options);
  CHECK(server_says(core, std::string(64, 'x')).empty());
  CHECK(server_says(core, "y") ==
        ClientEvents{"failed unsolicited: the server sent more than 64 octets beyond the replies awaited"});
  CHECK(core.closed());
}

TEST_CASE("replies beyond the awaited ones count against max_unread too") {
  ClientOptions options;
  options.limits.max_unread = 20;
  ClientCore core = greeted_client(kEhloReply, options);
  REQUIRE_SENT(core.noop());
  CHECK(server_says(core, "250 Ok\r\n250 extra one\r\n250 extra two\r\n") ==
        ClientEvents{"NOOP 250 Ok", "failed unsolicited: the server sent more than 20 octets beyond the "
                                    "replies awaited"});
}

TEST_CASE("an awaited reply is bounded by the reader's limits, not by max_unread") {
  ClientOptions options;
  options.limits.max_unread = 64;
  ClientCore core = greeted_client(kEhloReply, options);
  REQUIRE_SENT(core.noop());
  std::string reply;
  for (int i = 0; i < 10; ++i) reply += "250-" + std::string(90, 'a' + i) + "\r\n";
  CHECK(server_says(core, reply).empty());  // 940 octets of one reply, not complete yet
  const ClientEvents events = server_says(core, "250 done\r\n");
  REQUIRE(events.size() == 1);
  CHECK(events.front().starts_with("NOOP 250 aaaa"));
  CHECK(events.front().ends_with("jjj done"));
  CHECK_FALSE(core.closed());
}

}  // namespace opes::smtp::test
