// ServerCore and SMTP AUTH (RFC 4954): the state it learns from the replies.
#include <doctest/doctest.h>

#include <string>

#include "opes/smtp/server_core.hpp"
#include "session.hpp"

namespace opes::smtp::test {

TEST_CASE("RFC 4954 4: AUTH reaches the application with its mechanism and initial response") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH plain AHVzZXIAcGFzcw==\r\n") ==
        Events{"command AUTH plain AHVzZXIAcGFzcw== mechanism=PLAIN response=AHVzZXIAcGFzcw=="});
  answer(core, "535 5.7.8 Authentication credentials invalid");
  CHECK(feed(core, "AUTH PLAIN =\r\n") == Events{"command AUTH PLAIN = mechanism=PLAIN response="});
  answer(core, "535 5.7.8 Authentication credentials invalid");
  CHECK(feed(core, "AUTH CRAM-MD5\r\n") == Events{"command AUTH CRAM-MD5 mechanism=CRAM-MD5"});
  CHECK_FALSE(core.authenticated());
  CHECK(take_output(core) ==
        "535 5.7.8 Authentication credentials invalid\r\n"
        "535 5.7.8 Authentication credentials invalid\r\n");
}

TEST_CASE("an AUTH argument that is no mechanism or has a third word is answered 501 5.5.4") {
  ServerCore core = greeted_core();
  CHECK(
      feed(core,
           "AUTH\r\nAUTH PLAIN a b\r\nAUTH PL@IN\r\nAUTH ABCDEFGHIJKLMNOPQRSTU\r\nAUTH PLAIN \r\n")
          .empty());
  const std::string syntax = "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n";
  CHECK(take_output(core) == "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n" + syntax +
                                 syntax + syntax + syntax);
  // RFC 4422 3.1: twenty mechanism characters are allowed.
  CHECK(feed(core, "AUTH ABCDEFGHIJKLMNOPQRST\r\n") ==
        Events{"command AUTH ABCDEFGHIJKLMNOPQRST mechanism=ABCDEFGHIJKLMNOPQRST"});
}

TEST_CASE("RFC 4954 4: 334 makes the next lines continuation lines until 235 authenticates") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH LOGIN\r\n") == Events{"command AUTH LOGIN mechanism=LOGIN"});
  answer(core, "334 VXNlcm5hbWU6");
  CHECK(feed(core, "dXNlcg==\r\n") == Events{"continuation dXNlcg=="});
  answer(core, "334 UGFzc3dvcmQ6");
  CHECK(feed(core, "cGFzcw==\r\nMAIL FROM:<a@example.org>\r\n") == Events{"continuation cGFzcw=="});
  CHECK_FALSE(core.authenticated());
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(core.authenticated());
  CHECK(drain(core) == Events{"command MAIL FROM:<a@example.org> path=a@example.org"});
  CHECK(take_output(core) ==
        "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n");
}

TEST_CASE("RFC 4954 4: an initial response answered 235 authenticates at once") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n").size() == 1);
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(core.authenticated());
}

TEST_CASE("RFC 4954 4: a * line cancels the exchange with 501 5.0.0 and AUTH may start again") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH LOGIN\r\n").size() == 1);
  answer(core, "334 VXNlcm5hbWU6");
  CHECK(feed(core, "*\r\nAUTH PLAIN\r\n") ==
        Events{"auth cancelled", "command AUTH PLAIN mechanism=PLAIN"});
  answer(core, "334 ");
  // The exchange is PLAIN's now; a "*" of the text is read as a command no more.
  CHECK(feed(core, "AHVzZXIAcGFzcw==\r\n") == Events{"continuation AHVzZXIAcGFzcw=="});
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(take_output(core) ==
        "334 VXNlcm5hbWU6\r\n501 5.0.0 Authentication cancelled\r\n334\r\n"
        "235 2.7.0 Authentication successful\r\n");
  CHECK(core.authenticated());
}

TEST_CASE("a refused reply to a continuation line ends the exchange without authenticating") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH LOGIN\r\n").size() == 1);
  answer(core, "334 VXNlcm5hbWU6");
  CHECK(feed(core, "dXNlcg==\r\n").size() == 1);
  answer(core, "535 5.7.8 Authentication credentials invalid");
  // Back to commands: the next line is a command, and "*" an unknown verb.
  CHECK(feed(core, "*\r\n") == Events{"command *"});
  CHECK_FALSE(core.authenticated());
}

TEST_CASE("RFC 4954 4: AUTH after a successful AUTH is 503 5.5.1") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n").size() == 1);
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(feed(core, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n").empty());
  CHECK(take_output(core) ==
        "235 2.7.0 Authentication successful\r\n503 5.5.1 Error: already authenticated\r\n");
}

TEST_CASE("RFC 4954 4: AUTH during a mail transaction and before EHLO is 503 5.5.1") {
  ServerCore before;
  CHECK(feed(before, "AUTH PLAIN\r\n").empty());
  CHECK(take_output(before) == "503 5.5.1 Error: send HELO/EHLO first\r\n");

  ServerCore core = greeted_core();
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n").size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(feed(core, "AUTH PLAIN\r\nRSET\r\nAUTH PLAIN\r\n") ==
        Events{"reset", "command AUTH PLAIN mechanism=PLAIN"});
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n503 5.5.1 Error: MAIL transaction in progress\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("RFC 3207 4.2: STARTTLS forgets the authentication") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n").size() == 1);
  answer(core, "235 2.7.0 Authentication successful");
  CHECK(feed(core, "STARTTLS\r\n") == Events{"command STARTTLS"});
  answer(core, "220 2.0.0 Ready to start TLS");
  CHECK(drain(core) == Events{"tls"});
  REQUIRE(core.tls_started());
  CHECK_FALSE(core.authenticated());
  take_output(core);
  CHECK(feed(core, "EHLO client.example\r\n").size() == 1);
  answer(core, "250 mx.example.org");
  CHECK(feed(core, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n").size() == 1);  // allowed again
}

TEST_CASE("RFC 4954 6: 535 counts against the bad-command budget") {
  ServerLimits limits;
  limits.max_bad_commands = 2;
  ServerCore core = greeted_core(limits);
  CHECK(feed(core, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n").size() == 1);
  answer(core, "535 5.7.8 Authentication credentials invalid");
  CHECK(feed(core, "AUTH LOGIN\r\n").size() == 1);
  answer(core, "334 VXNlcm5hbWU6");
  CHECK(feed(core, "dXNlcg==\r\n").size() == 1);
  answer(core, "535 5.7.8 Authentication credentials invalid");
  CHECK(drain(core) == Events{"close too many errors"});
  CHECK(core.closed());
  CHECK(take_output(core) ==
        "535 5.7.8 Authentication credentials invalid\r\n334 VXNlcm5hbWU6\r\n"
        "535 5.7.8 Authentication credentials invalid\r\n"
        "421 4.7.0 localhost Error: too many errors\r\n");
}

TEST_CASE("RFC 4954 4: a SASL line may hold 12288 octets where a command line may not") {
  ServerCore core = greeted_core();
  const std::string response(12288, 'A');
  CHECK(feed(core, "AUTH GSSAPI\r\n").size() == 1);
  answer(core, "334 ");
  CHECK(feed(core, response + "\r\n") == Events{"continuation " + response});
  answer(core, "334 ");
  // One octet more: 500 5.5.0, the exchange ends, the tail is skipped.
  CHECK(feed(core, response + "A\r\nNOOP\r\n") == Events{"auth cancelled"});
  CHECK(take_output(core) == "334\r\n334\r\n500 5.5.0 Line too long\r\n250 2.0.0 Ok\r\n");
  CHECK_FALSE(core.authenticated());
  CHECK(feed(core, response + "\r\n").empty());  // a command line that long is refused
  CHECK(take_output(core) == "500 5.5.0 Line too long\r\n");
}

TEST_CASE("a bare LF in a SASL line ends the exchange with 500 5.5.2") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "AUTH LOGIN\r\n").size() == 1);
  answer(core, "334 VXNlcm5hbWU6");
  CHECK(feed(core, "dXNlcg==\ndXNlcg==\r\n") == Events{"auth cancelled", "command dXNlcg=="});
  CHECK(take_output(core) == "334 VXNlcm5hbWU6\r\n500 5.5.2 Syntax error: bare LF received\r\n");
}

}  // namespace opes::smtp::test
