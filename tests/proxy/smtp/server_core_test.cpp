#include "opes/smtp/server_core.hpp"

#include <doctest/doctest.h>

#include "opes/smtp/server_replies.hpp"
#include "session.hpp"

namespace opes::smtp::test {

TEST_CASE("the greeting is queued for an immediate flush") {
  ServerCore core;
  core.greet(greeting("mx.example.org"));
  CHECK(core.should_flush());
  CHECK(take_output(core) == "220 mx.example.org ESMTP OPES SMTP proxy\r\n");
  CHECK_FALSE(core.should_flush());
}

TEST_CASE("EHLO is asked of the application and its 250 greets the client") {
  ServerCore core;
  CHECK(feed(core, "EHLO client.example\r\n") == Events{"command EHLO client.example"});
  CHECK(drain(core).empty());  // one command at a time
  CHECK(core.reply(ehlo_reply("mx.example.org", "hello", {"PIPELINING", "SIZE 1000"})));
  CHECK(take_output(core) == "250-mx.example.org hello\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n") ==
        Events{"command MAIL FROM:<a@example.org> path=a@example.org"});
}

TEST_CASE("RFC 5321 4.3.2: MAIL before EHLO or HELO is a bad sequence") {
  ServerCore core;
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n").empty());
  CHECK(take_output(core) == "503 5.5.1 Error: send HELO/EHLO first\r\n");
  CHECK(feed(core, "HELO client.example\r\n") == Events{"command HELO client.example"});
  answer(core, "550 not you");
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n").empty());
  CHECK(take_output(core) == "550 not you\r\n503 5.5.1 Error: send HELO/EHLO first\r\n");
}

TEST_CASE("RFC 2920: pipelined MAIL RCPT RCPT DATA give one event at a time and one flush") {
  ServerCore core = greeted_core();
  core.receive(
      "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n"
      "DATA\r\n");
  CHECK(drain(core) == Events{"command MAIL FROM:<a@example.org> path=a@example.org"});
  answer(core, "250 2.1.0 Ok");
  CHECK_FALSE(core.should_flush());  // RFC 2920 3.2: more commands are buffered
  CHECK(drain(core) == Events{"command RCPT TO:<b@example.com> path=b@example.com"});
  answer(core, "250 2.1.5 Ok");
  CHECK(drain(core) == Events{"command RCPT TO:<c@example.com> path=c@example.com"});
  answer(core, "550 5.1.1 No such user");
  CHECK_FALSE(core.should_flush());
  CHECK(drain(core) == Events{"command DATA"});
  CHECK(core.should_flush());  // nothing more buffered
  answer(core, "354 End data with <CR><LF>.<CR><LF>");
  CHECK(core.should_flush());
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 No such user\r\n"
        "354 End data with <CR><LF>.<CR><LF>\r\n");
}

TEST_CASE("RFC 5321 4.1.4: RCPT needs MAIL and DATA needs an accepted RCPT") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "RCPT TO:<b@example.com>\r\nDATA\r\n").empty());
  CHECK(take_output(core) ==
        "503 5.5.1 Error: need MAIL command\r\n503 5.5.1 Error: need MAIL command\r\n");
  CHECK(feed(core, "MAIL FROM:<>\r\n").size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(feed(core, "DATA\r\n").empty());
  CHECK(feed(core, "MAIL FROM:<>\r\n").empty());
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n503 5.5.1 Error: need RCPT command\r\n"
        "503 5.5.1 Error: nested MAIL command\r\n");
  CHECK(feed(core, "RCPT TO:<b@example.com>\r\n").size() == 1);
  answer(core, "550 5.1.1 No such user");
  CHECK(feed(core, "DATA\r\n").empty());
  CHECK(take_output(core) == "550 5.1.1 No such user\r\n554 5.5.1 Error: no valid recipients\r\n");
}

TEST_CASE("NOOP HELP and RSET are answered by the core and RSET ends the transaction") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n").size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(core.in_transaction());
  CHECK(feed(core, "NOOP anything\r\nHELP\r\nRSET\r\nRCPT TO:<b@example.com>\r\n") ==
        Events{"reset"});
  CHECK_FALSE(core.in_transaction());
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n214 2.0.0 See RFC 5321\r\n250 2.0.0 Ok\r\n"
        "503 5.5.1 Error: need MAIL command\r\n");
}

TEST_CASE("QUIT is answered 221 by the core and nothing after it is read") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "QUIT\r\nNOOP\r\n") == Events{"close quit"});
  CHECK(core.closed());
  CHECK(core.should_flush());
  CHECK(take_output(core) == "221 2.0.0 Bye\r\n");
  CHECK(feed(core, "NOOP\r\n").empty());
  CHECK(core.pending_output().empty());
}

TEST_CASE("unknown verbs and extension verbs reach the application") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "XYZZY magic words\r\n") == Events{"command XYZZY magic words"});
  answer(core, "500 5.5.1 Error: command not recognized");
  CHECK(feed(core, "ATRN example.net\r\n") == Events{"command ATRN example.net"});
  answer(core, "250 2.0.0 Ok");
  CHECK(take_output(core) == "500 5.5.1 Error: command not recognized\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("missing or extra arguments are answered 501 5.5.4") {
  ServerCore core;
  CHECK(feed(core, "EHLO\r\nHELO \r\nQUIT now\r\nRSET x\r\nVRFY\r\nSTARTTLS x\r\n").empty());
  CHECK(take_output(core) ==
        "501 5.5.4 Syntax: EHLO hostname\r\n501 5.5.4 Syntax: HELO hostname\r\n"
        "501 5.5.4 Syntax: QUIT\r\n501 5.5.4 Syntax: RSET\r\n501 5.5.4 Syntax: VRFY address\r\n"
        "501 5.5.4 Syntax: STARTTLS\r\n");
}

TEST_CASE("an empty line a bare LF or a control octet in a command is a syntax error") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "\r\nNOOP\nNOOP\x01\r\nNOOP\r\n").empty());
  CHECK(take_output(core) ==
        "500 5.5.2 Syntax error: command expected\r\n500 5.5.2 Syntax error: bare LF received\r\n"
        "500 5.5.2 Syntax error: control character in command line\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("a command line over the limit is answered 500 5.5.0 and the session goes on") {
  ServerLimits limits;
  limits.max_command_line = 24;
  const std::string input = "NOOP 01234567890123456\r\nNOOP 012345678901234567\r\nNOOP\r\n";
  const std::string expected = "250 2.0.0 Ok\r\n500 5.5.0 Line too long\r\n250 2.0.0 Ok\r\n";
  ServerCore whole = greeted_core(limits);
  CHECK(feed(whole, input).empty());
  CHECK(take_output(whole) == expected);
  ServerCore bytewise = greeted_core(limits);
  for (char c : input) CHECK(feed(bytewise, std::string_view(&c, 1)).empty());
  CHECK(take_output(bytewise) == expected);
}

TEST_CASE("an endless line is dropped as it comes and answered once") {
  ServerLimits limits;
  limits.max_command_line = 64;
  ServerCore core = greeted_core(limits);
  for (int i = 0; i < 100; ++i) CHECK(feed(core, std::string(50, 'x')).empty());
  CHECK(core.wants_input());
  CHECK(feed(core, "x\r\nNOOP\r\n").empty());
  CHECK(take_output(core) == "500 5.5.0 Line too long\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("the bad command that reaches the limit is followed by 421 and a close") {
  ServerLimits limits;
  limits.max_bad_commands = 3;
  ServerCore core(limits, ServerOptions{.domain = "mx.example.org"});
  CHECK(feed(core, "MAIL FROM:<>\r\nBOGUS\r\n") == Events{"command BOGUS"});
  answer(core, "500 5.5.1 Error: command not recognized");
  CHECK(feed(core, "\r\nNOOP\r\n") == Events{"close too many errors"});
  CHECK(core.closed());
  CHECK(core.should_flush());
  CHECK(take_output(core) ==
        "503 5.5.1 Error: send HELO/EHLO first\r\n500 5.5.1 Error: command not recognized\r\n"
        "500 5.5.2 Syntax error: command expected\r\n"
        "421 4.7.0 mx.example.org Error: too many errors\r\n");
}

TEST_CASE("RFC 1870 6.1: MAIL declaring a SIZE over the limit is refused 552 5.3.4") {
  ServerLimits limits;
  limits.max_message_size = 1000;
  ServerCore core = greeted_core(limits);
  CHECK(feed(core, "MAIL FROM:<a@example.org> SIZE=1001\r\n").empty());
  CHECK(take_output(core) == "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  CHECK(feed(core, "MAIL FROM:<a@example.org> SIZE=1000\r\n") ==
        Events{"command MAIL FROM:<a@example.org> SIZE=1000 path=a@example.org"});
}

TEST_CASE("RFC 6152 and RFC 6531: BODY=8BITMIME and SMTPUTF8 are accepted") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "MAIL FROM:<j\xC3\xB6rg@example.org> BODY=8BITMIME SMTPUTF8\r\n").size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(feed(core, "RCPT TO:<\xE7\x94\xA8\xE6\x88\xB7@example.com>\r\n").size() == 1);
  answer(core, "250 2.1.5 Ok");
  take_output(core);
}

TEST_CASE("RFC 6531 3.3: UTF-8 in RCPT is refused when MAIL had no SMTPUTF8") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n").size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(feed(core, "RCPT TO:<\xE7\x94\xA8\xE6\x88\xB7@example.com>\r\n").empty());
  CHECK(feed(core, "MAIL FROM:<j\xC3\xB6rg@example.org>\r\n").empty());
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n"
        "503 5.5.1 Error: nested MAIL command\r\n");
}

TEST_CASE("RFC 5321 4.5.3.1.10: recipients over the limit get 452 4.5.3") {
  ServerLimits limits;
  limits.max_recipients = 2;
  ServerCore core = greeted_core(limits);
  CHECK(feed(core, "MAIL FROM:<>\r\n").size() == 1);
  answer(core, "250 2.1.0 Ok");
  for (int i = 0; i < 2; ++i) {
    CHECK(feed(core, "RCPT TO:<b@example.com>\r\n").size() == 1);
    answer(core, "250 2.1.5 Ok");
  }
  CHECK(feed(core, "RCPT TO:<c@example.com>\r\n").empty());
  CHECK(take_output(core).ends_with("250 2.1.5 Ok\r\n452 4.5.3 Error: too many recipients\r\n"));
}

TEST_CASE("RFC 2034: without enhanced status codes the core replies with the code alone") {
  ServerCore core({}, ServerOptions{.enhanced_status_codes = false});
  CHECK(feed(core, "MAIL FROM:<>\r\nNOOP\r\n").empty());
  CHECK(take_output(core) == "503 Error: send HELO/EHLO first\r\n250 Ok\r\n");
}

TEST_CASE("RFC 4954 4: after 334 the next line is a continuation line") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH LOGIN\r\n") == Events{"command AUTH LOGIN mechanism=LOGIN"});
  answer(core, "334 VXNlcm5hbWU6");
  CHECK(feed(core, "dXNlcg==\r\n") == Events{"continuation dXNlcg=="});
  answer(core, "334 UGFzc3dvcmQ6");
  CHECK(feed(core, "cGFzcw==\r\n") == Events{"continuation cGFzcw=="});
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(feed(core, "NOOP\r\n").empty());
  CHECK(take_output(core) ==
        "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n"
        "250 2.0.0 Ok\r\n");
}

TEST_CASE("a reply when nothing awaits one is refused") {
  ServerCore core;
  CHECK_FALSE(core.reply(reply("250 Ok")));
  CHECK(feed(core, "HELO x\r\n").size() == 1);
  CHECK_FALSE(core.reply(ocp::smtp::Reply{199, {"odd"}}));
  CHECK(core.reply(reply("250 Ok")));
  CHECK_FALSE(core.reply(reply("250 Ok")));
}

TEST_CASE("a 421 from the application closes the session") {
  ServerCore core;
  CHECK(feed(core, "HELO x\r\nNOOP\r\n").size() == 1);
  answer(core, "421 4.3.2 Service shutting down");
  CHECK(core.closed());
  CHECK(drain(core).empty());
  CHECK(take_output(core) == "421 4.3.2 Service shutting down\r\n");
}

TEST_CASE("end of input gives ClientClosed after the complete commands") {
  ServerCore core = greeted_core();
  core.receive("NOOP\r\nNOO");
  core.receive_eof();
  CHECK(drain(core) == Events{"client closed"});
  CHECK(core.closed());
  CHECK(take_output(core) == "250 2.0.0 Ok\r\n");
}

TEST_CASE("input is no longer wanted while a long pipeline waits for a reply") {
  ServerLimits limits;
  limits.max_buffered_input = 64;
  ServerCore core = greeted_core(limits);
  CHECK(feed(core, "VRFY a\r\n") == Events{"command VRFY a"});
  core.receive(std::string(70, 'x'));
  CHECK_FALSE(core.wants_input());
  answer(core, "252 2.5.2 Cannot VRFY user");
  CHECK(drain(core).empty());
  CHECK(core.wants_input());
}

}  // namespace opes::smtp::test
