// ClientCore (RFC 5321 as a client): whole dialogues as bytes both ways.
#include <doctest/doctest.h>

#include "client_session.hpp"

namespace opes::smtp::test {

TEST_CASE("a whole dialogue: greeting, multi-line EHLO, MAIL, RCPT, DATA with dot-stuffing, QUIT") {
  ClientCore core(named("proxy.example.org"));
  CHECK(core.awaiting() == 1);  // the greeting
  CHECK_FALSE(core.may_send(ClientStep::ehlo));
  CHECK(server_says(core, "220 mx.example.com ESMTP ready\r\n") ==
        ClientEvents{"greeting 220 mx.example.com ESMTP ready"});
  REQUIRE_SENT(core.ehlo());
  CHECK(sent(core) == "EHLO proxy.example.org\r\n");
  CHECK(server_says(core, kEhloReply) ==
        ClientEvents{"EHLO 250 mx.example.com Hello PIPELINING SIZE 10240000 8BITMIME STARTTLS "
                     "ENHANCEDSTATUSCODES"});
  CHECK(core.capabilities().pipelining);
  CHECK(core.capabilities().size_limit == 10240000);
  CHECK(core.capabilities().domain == "mx.example.com");

  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {{"SIZE", "120"}, {"BODY", "8BITMIME"}}}));
  CHECK(sent(core) == "MAIL FROM:<a@example.org> SIZE=120 BODY=8BITMIME\r\n");
  CHECK(server_says(core, "250 2.1.0 Ok\r\n") == ClientEvents{"MAIL 250 2.1.0 Ok"});
  REQUIRE_SENT(core.rcpt(PathArgument{"b@example.com", {{"NOTIFY", "NEVER"}}}));
  CHECK(sent(core) == "RCPT TO:<b@example.com>\r\n");  // no DSN offered: NOTIFY dropped
  CHECK(server_says(core, "250 2.1.5 Ok\r\n") == ClientEvents{"RCPT 250 2.1.5 Ok"});
  CHECK_FALSE(core.content("early").has_value());  // RFC 5321 §3.3: not before 354
  REQUIRE_SENT(core.data());
  CHECK(sent(core) == "DATA\r\n");
  CHECK(server_says(core, "354 End data with <CR><LF>.<CR><LF>\r\n") ==
        ClientEvents{"DATA 354 End data with <CR><LF>.<CR><LF>"});
  CHECK(core.in_content());
  CHECK_FALSE(core.may_send(ClientStep::quit));
  REQUIRE_SENT(core.content("Subject: x\r\n\r\n.hidden\r\n"));
  REQUIRE_SENT(core.content("..two\r\nlast"));
  REQUIRE_SENT(core.end_content());
  CHECK(sent(core) == "Subject: x\r\n\r\n..hidden\r\n...two\r\nlast\r\n.\r\n");
  CHECK(server_says(core, "250 2.0.0 Ok: queued as 4Xyz\r\n") ==
        ClientEvents{"end of data 250 2.0.0 Ok: queued as 4Xyz"});
  REQUIRE_SENT(core.quit());
  CHECK(sent(core) == "QUIT\r\n");
  CHECK(server_says(core, "221 2.0.0 Bye\r\n") == ClientEvents{"QUIT 221 2.0.0 Bye"});
  CHECK(core.closed());
  CHECK_FALSE(core.noop().has_value());
}

TEST_CASE("RFC 5321 3.2: EHLO answered 502 falls back to HELO, no extension is used") {
  ClientCore core(named("proxy.example.org"));
  CHECK(server_says(core, "220 old.example.com SMTP\r\n").size() == 1);
  REQUIRE_SENT(core.ehlo());
  CHECK(sent(core) == "EHLO proxy.example.org\r\n");
  CHECK(server_says(core, "502 5.5.2 Error: command not recognized\r\n").empty());
  CHECK(sent(core) == "HELO proxy.example.org\r\n");
  CHECK(core.awaiting() == 1);
  CHECK(server_says(core, "250 old.example.com\r\n") == ClientEvents{"HELO 250 old.example.com"});
  CHECK(core.greeted());
  CHECK_FALSE(core.capabilities().pipelining);
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {{"SIZE", "120"}, {"BODY", "8BITMIME"}}}));
  CHECK(sent(core) == "MAIL FROM:<a@example.org>\r\n");
}

TEST_CASE("EHLO answered 500 falls back too, a refused HELO is the event") {
  ClientCore core(named("proxy.example.org"));
  (void)server_says(core, "220 old.example.com\r\n");
  REQUIRE_SENT(core.ehlo());
  (void)sent(core);
  CHECK(server_says(core, "500 unrecognized\r\n550 go away\r\n") == ClientEvents{"HELO 550 go away"});
  CHECK(sent(core) == "HELO proxy.example.org\r\n");
  CHECK_FALSE(core.greeted());
  CHECK_FALSE(core.may_send(ClientStep::mail));
}

TEST_CASE("EHLO answered 421: no HELO, the server is closing") {
  ClientCore core;
  (void)server_says(core, "220 mx\r\n");
  REQUIRE_SENT(core.ehlo());
  CHECK(server_says(core, "421 4.3.2 shutting down\r\n") == ClientEvents{"EHLO 421 4.3.2 shutting down"});
  CHECK(sent(core) == "EHLO localhost\r\n");
  CHECK(core.closed());
}

TEST_CASE("RFC 5321 3.1: a 554 greeting allows QUIT only") {
  ClientCore core;
  CHECK(server_says(core, "554 5.7.1 No SMTP service here\r\n") ==
        ClientEvents{"greeting 554 5.7.1 No SMTP service here"});
  CHECK_FALSE(core.ehlo().has_value());
  CHECK(core.pending_output().empty());
  REQUIRE_SENT(core.quit());
  CHECK(sent(core) == "QUIT\r\n");
  CHECK(server_says(core, "221 2.0.0 Bye\r\n") == ClientEvents{"QUIT 221 2.0.0 Bye"});
  CHECK(core.closed());
}

TEST_CASE("RFC 3207 4.2: bytes behind the 220 to STARTTLS are an injection, refused") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.starttls());
  CHECK(sent(core) == "STARTTLS\r\n");
  CHECK(server_says(core, "220 2.0.0 Ready to start TLS\r\n250-evil.example\r\n250 AUTH PLAIN\r\n") ==
        ClientEvents{"STARTTLS 220 2.0.0 Ready to start TLS",
                     "failed plaintext_injection: the server sent bytes behind its 220 to STARTTLS"});
  CHECK(core.closed());
  CHECK_FALSE(core.tls_started().has_value());
}

TEST_CASE("RFC 3207 4.2: bytes arriving after the 220, before the handshake, are refused too") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.starttls());
  (void)sent(core);
  CHECK(server_says(core, "220 Ready\r\n") == ClientEvents{"STARTTLS 220 Ready"});
  CHECK(core.tls_pending());
  CHECK_FALSE(core.may_send(ClientStep::ehlo));
  CHECK(server_says(core, "250 PIPELINING\r\n") ==
        ClientEvents{"failed plaintext_injection: the server sent bytes before the TLS handshake"});
  CHECK(core.closed());
}

TEST_CASE("RFC 3207 4.2: after the handshake the capabilities are forgotten and EHLO is due") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.starttls());
  (void)sent(core);
  CHECK(server_says(core, "220 Ready\r\n") == ClientEvents{"STARTTLS 220 Ready"});
  REQUIRE_SENT(core.tls_started());
  CHECK(core.tls_active());
  CHECK_FALSE(core.greeted());
  CHECK_FALSE(core.capabilities().pipelining);
  CHECK_FALSE(core.mail(PathArgument{"a@example.org", {}}).has_value());
  CHECK_FALSE(core.may_send(ClientStep::starttls));
  REQUIRE_SENT(core.ehlo());
  CHECK(sent(core) == "EHLO proxy.example.org\r\n");
  CHECK(server_says(core, "250-mx.example.com\r\n250 SIZE\r\n") ==
        ClientEvents{"EHLO 250 mx.example.com SIZE"});
  CHECK_FALSE(core.capabilities().starttls);
  CHECK_FALSE(core.may_send(ClientStep::starttls));  // one TLS layer
}

TEST_CASE("a refused STARTTLS leaves the session in plain text") {
  ClientCore core = greeted_client();
  REQUIRE_SENT(core.starttls());
  CHECK(server_says(core, "454 4.7.0 TLS not available\r\n") ==
        ClientEvents{"STARTTLS 454 4.7.0 TLS not available"});
  CHECK_FALSE(core.tls_pending());
  CHECK(core.greeted());
  CHECK(core.may_send(ClientStep::mail));
}

TEST_CASE("XCLIENT answered 220 starts over: EHLO again, with the client's name") {
  ClientCore core = greeted_client(
      "250-mx.example.com\r\n250-XCLIENT NAME ADDR PORT PROTO HELO LOGIN\r\n250 8BITMIME\r\n");
  REQUIRE_SENT(core.forward(ForwardCommand::xclient, "XCLIENT HELO=client.example ADDR=192.0.2.7\r\n"));
  CHECK(sent(core) == "XCLIENT HELO=client.example ADDR=192.0.2.7\r\n");
  CHECK(server_says(core, "220 mx.example.com ESMTP\r\n") == ClientEvents{"XCLIENT 220 mx.example.com ESMTP"});
  CHECK_FALSE(core.greeted());
  CHECK_FALSE(core.capabilities().eight_bit_mime);
  REQUIRE_SENT(core.ehlo("client.example"));
  CHECK(sent(core) == "EHLO client.example\r\n");
  CHECK_FALSE(core.ehlo("two words").has_value());
  CHECK_FALSE(core.forward(ForwardCommand::xforward, "XFORWARD A=1\r\nMAIL FROM:<>\r\n").has_value());
}

TEST_CASE("RFC 6531 3.2: SMTPUTF8 to a server without it is a value with the client's reply") {
  ClientCore core = greeted_client();
  auto refused = core.mail(PathArgument{"ü@example.org", {{"SMTPUTF8", ""}}});
  REQUIRE_FALSE(refused.has_value());
  REQUIRE(refused.error().reply);
  CHECK(refused.error().reply->wire() == "553 5.6.7 The next hop does not support SMTPUTF8\r\n");
  CHECK(core.pending_output().empty());
  CHECK(core.awaiting() == 0);
}

TEST_CASE("server_takes: the keyword compare is case-insensitive, unknown keywords need their EHLO line") {
  ServerCapabilities caps;
  caps.size = true;
  caps.keywords = {"SIZE", "DSN", "X-FOO bar"};
  CHECK(server_takes(caps, {"size", "10"}));
  CHECK_FALSE(server_takes(caps, {"body", "8BITMIME"}));
  CHECK(server_takes(caps, {"Notify", "NEVER"}));
  CHECK(server_takes(caps, {"x-foo", ""}));
  CHECK_FALSE(server_takes(caps, {"X-BAR", ""}));
  CHECK_FALSE(server_takes(caps, {"OPESTRACE", ""}));
}

TEST_CASE("RFC 5321 3.8: a 421 mid-session closes, nothing more is sent") {
  ClientCore core = greeted_client("250-mx.example.com\r\n250 8BITMIME\r\n");
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  (void)sent(core);
  CHECK_FALSE(core.rcpt(PathArgument{"b@example.com", {}}).has_value());  // no PIPELINING
  CHECK(server_says(core, "421 4.4.2 mx.example.com Error: timeout exceeded\r\n") ==
        ClientEvents{"MAIL 421 4.4.2 mx.example.com Error: timeout exceeded"});
  CHECK(core.closed());
  CHECK(core.awaiting() == 0);
  CHECK_FALSE(core.rset().has_value());
  CHECK(server_says(core, "250 late\r\n").empty());
}

TEST_CASE("a reply split at every byte boundary gives the same events") {
  const std::string server =
      "220 mx.example.com ESMTP\r\n"
      "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"
      "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n250 2.0.0 queued\r\n221 Bye\r\n";
  const ClientEvents expected{"greeting 220 mx.example.com ESMTP",
                              "EHLO 250 mx.example.com PIPELINING SIZE 1000",
                              "MAIL 250 2.1.0 Ok",
                              "RCPT 250 2.1.5 Ok",
                              "DATA 354 go",
                              "end of data 250 2.0.0 queued",
                              "QUIT 221 Bye"};
  for (std::size_t cut = 0; cut <= server.size(); ++cut) {
    for (std::size_t step : {std::size_t{1}, server.size()}) {
      CAPTURE(cut);
      CAPTURE(step);
      ClientCore core;
      ClientEvents events;
      std::string out;
      // The client answers each event as a session would.
      auto react = [&] {
        for (ClientEvents batch = drain(core); !batch.empty(); batch = drain(core)) {
          for (auto& event : batch) {
          events.push_back(event);
          if (event.starts_with("greeting")) (void)core.ehlo();
          if (event.starts_with("EHLO")) {
            (void)core.mail(PathArgument{"a@example.org", {}});
            (void)core.rcpt(PathArgument{"b@example.com", {}});
            (void)core.data();
          }
          if (event.starts_with("DATA")) {
            (void)core.content("hello\r\n");
            (void)core.end_content();
            (void)core.quit();  // RFC 2920 §3.1: the content may start a group
          }
          }
        }
        out += sent(core);
      };
      std::size_t at = 0;
      auto feed_to = [&](std::size_t end) {
        while (at < end) {
          const std::size_t n = std::min(step, end - at);
          core.receive(std::string_view(server).substr(at, n));
          at += n;
          react();
        }
      };
      feed_to(cut);
      feed_to(server.size());
      CHECK(events == expected);
      CHECK(out ==
            "EHLO localhost\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
            "hello\r\n.\r\nQUIT\r\n");
    }
  }
}

TEST_CASE("an oversized reply line is refused, and the core closes") {
  ClientCore core;
  const std::string huge = "220 " + std::string(1200, 'x') + "\r\n";
  CHECK(server_says(core, huge) ==
        ClientEvents{"failed malformed_reply: upstream sent a reply line longer than 1000 octets"});
  CHECK(core.closed());
}

TEST_CASE("a reply of more lines than the limit is refused") {
  ClientOptions options;
  options.limits.replies.max_lines = 3;
  ClientCore core(options);
  (void)server_says(core, "220 mx\r\n");
  REQUIRE_SENT(core.ehlo());
  CHECK(server_says(core, "250-a\r\n250-b\r\n250-c\r\n250 d\r\n") ==
        ClientEvents{"failed malformed_reply: upstream sent a reply of more than 3 lines"});
  CHECK(core.closed());
}

TEST_CASE("EOF while a reply is awaited is a failure, a partial reply is dropped") {
  ClientCore core;
  core.receive("220 mx");
  CHECK(drain(core).empty());
  core.receive_eof();
  CHECK(drain(core) == ClientEvents{"failed server_closed: the server closed the connection "
                                    "awaiting the reply to greeting"});
  CHECK(core.closed());
}

TEST_CASE("a malformed greeting is a failure") {
  ClientCore core;
  CHECK(server_says(core, "hello\r\n") ==
        ClientEvents{"failed malformed_reply: upstream sent a reply line without a 3-digit code"});
}

TEST_CASE("a stream handed over: the greeting read elsewhere, the bytes already read given first") {
  ClientCore core(named("proxy.example.org", true));
  CHECK(core.awaiting() == 0);
  core.receive("250-customer.example\r\n250 ");  // read by the previous owner of the stream
  REQUIRE_SENT(core.ehlo());
  CHECK(sent(core) == "EHLO proxy.example.org\r\n");
  CHECK(server_says(core, "PIPELINING\r\n") == ClientEvents{"EHLO 250 customer.example PIPELINING"});
  CHECK(core.capabilities().pipelining);
}

TEST_CASE("DATA refused: no content, the transaction stays open until RSET") {
  ClientCore core = greeted_client("250-mx\r\n250 SIZE\r\n");
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  (void)server_says(core, "250 ok\r\n");
  REQUIRE_SENT(core.rcpt(PathArgument{"b@example.com", {}}));
  (void)server_says(core, "550 no\r\n");
  REQUIRE_SENT(core.data());
  CHECK(server_says(core, "554 5.5.1 no valid recipients\r\n") ==
        ClientEvents{"DATA 554 5.5.1 no valid recipients"});
  CHECK_FALSE(core.in_content());
  CHECK_FALSE(core.end_content().has_value());
  CHECK_FALSE(core.may_send(ClientStep::mail));
  REQUIRE_SENT(core.rset());
  CHECK(sent(core) == "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nRSET\r\n");
  CHECK(server_says(core, "250 2.0.0 Ok\r\n") == ClientEvents{"RSET 250 2.0.0 Ok"});
  CHECK(core.may_send(ClientStep::mail));
}

TEST_CASE("a refused MAIL ends the transaction: RCPT may not follow, MAIL may") {
  ClientCore core = greeted_client("250-mx\r\n250 SIZE\r\n");
  REQUIRE_SENT(core.mail(PathArgument{"a@example.org", {}}));
  CHECK(server_says(core, "550 5.7.1 sender refused\r\n") == ClientEvents{"MAIL 550 5.7.1 sender refused"});
  CHECK_FALSE(core.may_send(ClientStep::rcpt));
  CHECK(core.may_send(ClientStep::mail));
}

}  // namespace opes::smtp::test
