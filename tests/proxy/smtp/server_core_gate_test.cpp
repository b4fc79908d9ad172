// ServerCore's command table: which verb runs in which state, HOST first,
// authentication required, and a session profile that offers a few verbs.
#include <doctest/doctest.h>

#include <string>

#include "opes/smtp/command_table.hpp"
#include "opes/smtp/server_core.hpp"
#include "session.hpp"

namespace opes::smtp::test {

namespace {

ServerOptions host_first() {
  ServerOptions options;
  options.host_first = true;
  return options;
}

/// ODMR as RFC 2645 wants it: EHLO, AUTH and QUIT first; ATRN and QUIT
/// once authenticated; ATRN before AUTH 530; anything else 502.
CommandTable odmr_commands() {
  CommandTable table = smtp_commands({});
  for (VerbRule& rule : table.rules) rule.offered = false;
  table[Verb::ehlo] = {.auth = AuthGate::before};
  table[Verb::auth].offered = true;
  table[Verb::quit].offered = true;
  table[Verb::atrn] = {.auth = AuthGate::required};
  return table;
}

}  // namespace

TEST_CASE("HOST is 502 5.5.1 like any verb not implemented unless host_first is set") {
  ServerCore core;
  CHECK(feed(core, "HOST mail.example.com\r\nHOST\r\n").empty());
  CHECK(take_output(core) ==
        "502 5.5.1 Error: command not implemented\r\n502 5.5.1 Error: command not implemented\r\n");
}

TEST_CASE("with host_first HOST reaches the application as the first command line only") {
  ServerCore core({}, host_first());
  CHECK(feed(core, "HOST mail.example.com\r\n") == Events{"command HOST mail.example.com"});
  answer(core, "421 4.4.0 mail.example.com unreachable");
  CHECK(core.closed());

  ServerCore late({}, host_first());
  CHECK(feed(late, "NOOP\r\nHOST mail.example.com\r\nEHLO c\r\nHOST mail.example.com\r\n") ==
        Events{"command EHLO c"});
  answer(late, "250 mx.example.org");
  CHECK(drain(late).empty());
  CHECK(take_output(late) ==
        "250 2.0.0 Ok\r\n503 5.5.1 Error: HOST must be the first command\r\n"
        "250 mx.example.org\r\n503 5.5.1 Error: HOST must be the first command\r\n");
}

TEST_CASE("a refused first line makes a later HOST out of order and HOST needs its argument") {
  ServerCore core({}, host_first());
  CHECK(feed(core, "HOST\r\n\r\nHOST mail.example.com\r\n").empty());
  CHECK(take_output(core) ==
        "501 5.5.4 Syntax: HOST name\r\n500 5.5.2 Syntax error: command expected\r\n"
        "503 5.5.1 Error: HOST must be the first command\r\n");
}

TEST_CASE("RFC 4954 6: require_auth answers 530 5.7.0 until AUTH succeeded") {
  ServerOptions options;
  options.require_auth = true;
  ServerCore core = greeted_core({}, options);
  CHECK(feed(core,
             "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nVRFY b\r\n"
             "EXPN list\r\nHELP\r\nNOOP\r\nRSET\r\nSTARTTLS\r\n") ==
        Events{"reset", "command STARTTLS"});
  answer(core, "454 4.7.0 TLS not available");
  CHECK(feed(core, "DATA\r\n").empty());
  const std::string required = "530 5.7.0 Authentication required\r\n";
  CHECK(take_output(core) == required + required + required + required + required +
                                 "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n454 4.7.0 TLS not available\r\n" +
                                 required);
  CHECK(feed(core, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n").size() == 1);
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n") ==
        Events{"command MAIL FROM:<a@example.org> path=a@example.org"});
}

TEST_CASE("530 follows the order of the gates: HELO/EHLO first, then authentication") {
  ServerOptions options;
  options.require_auth = true;
  ServerCore core({}, options);
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\n").empty());
  CHECK(take_output(core) ==
        "503 5.5.1 Error: send HELO/EHLO first\r\n530 5.7.0 Authentication required\r\n");
}

TEST_CASE("without enhanced status codes the table's refusals carry none") {
  ServerOptions options;
  options.enhanced_status_codes = false;
  options.require_auth = true;
  ServerCore core({}, options);
  CHECK(feed(core, "BDAT 10\r\nHELP\r\nAUTH PLAIN\r\n").empty());
  CHECK(take_output(core) ==
        "502 Error: command not implemented\r\n530 Authentication required\r\n"
        "503 Error: send HELO/EHLO first\r\n");
}

TEST_CASE("an ODMR profile: EHLO AUTH QUIT first, ATRN only once authenticated, else 502") {
  ServerOptions options;
  options.commands = odmr_commands();
  ServerCore core({}, options);
  CHECK(feed(core, "ATRN example.net\r\nEHLO customer.example\r\n") ==
        Events{"command EHLO customer.example"});
  answer(core, "250-odmr.example.org\r\n250 AUTH CRAM-MD5");
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\nNOOP\r\nATRN example.net\r\nAUTH CRAM-MD5\r\n") ==
        Events{"command AUTH CRAM-MD5 mechanism=CRAM-MD5"});
  answer(core, "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
  CHECK(feed(core, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n").size() == 1);
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(core.authenticated());
  CHECK(feed(core, "EHLO again\r\nAUTH PLAIN\r\nATRN example.net\r\n") ==
        Events{"command ATRN example.net"});
  const std::string not_here = "502 5.5.1 Error: command not implemented\r\n";
  CHECK(take_output(core) ==
        "530 5.7.0 Authentication required\r\n250-odmr.example.org\r\n250 AUTH CRAM-MD5\r\n" +
            not_here + not_here +
            "530 5.7.0 Authentication required\r\n"
            "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"
            "235 2.7.0 Authentication successful\r\n"
            "503 5.5.1 Error: already authenticated\r\n503 5.5.1 Error: already authenticated\r\n");
}

TEST_CASE("a session table that does not offer DATA still closes on a pipelined message") {
  ServerOptions options;
  options.commands = smtp_commands({});
  (*options.commands)[Verb::data].offered = false;
  ServerCore core = greeted_core({}, options);
  CHECK(feed(core, "DATA\r\nSubject: x\r\n") == Events{"close pipelining violation"});
  CHECK(take_output(core) ==
        "502 5.5.1 Error: command not implemented\r\n"
        "421 4.5.0 localhost Error: SMTP protocol synchronization\r\n");
}

TEST_CASE("the SMTP table gates the verbs RFC 5321 and its extensions order") {
  const CommandTable table = smtp_commands({});
  CHECK(table[Verb::mail].needs_hello);
  CHECK(table[Verb::mail].transaction == TransactionGate::outside);
  CHECK(table[Verb::rcpt].transaction == TransactionGate::inside);
  CHECK(table[Verb::data].transaction == TransactionGate::inside);
  CHECK(table[Verb::starttls].before_tls);
  CHECK(table[Verb::auth].auth == AuthGate::before);
  CHECK_FALSE(table[Verb::bdat].offered);
  CHECK_FALSE(table[Verb::host].offered);
  CHECK(smtp_commands({.host_first = true})[Verb::host].offered);
  CHECK(table[Verb::mail].auth == AuthGate::any);
  CHECK(smtp_commands({.require_auth = true})[Verb::mail].auth == AuthGate::required);
  CHECK(smtp_commands({.require_auth = true})[Verb::ehlo].auth == AuthGate::any);
}

}  // namespace opes::smtp::test
