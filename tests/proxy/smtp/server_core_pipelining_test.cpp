// RFC 2920 §3.1 and RFC 5321 §3.3: input pipelined behind a DATA that is
// refused is the client's message, never commands.
#include <doctest/doctest.h>

#include "opes/smtp/server_core.hpp"
#include "session.hpp"

namespace opes::smtp::test {

namespace {

/// A message whose lines would start a transaction if read as commands.
constexpr std::string_view kSmuggled =
    "Subject: quoted session\r\n\r\n"
    "MAIL FROM:<forged@example.net>\r\n"
    "RCPT TO:<victim@example.com>\r\n"
    "DATA\r\n"
    "evil\r\n"
    ".\r\n"
    "QUIT\r\n";

}  // namespace

TEST_CASE("DATA refused by the core after failed RCPTs: the pipelined message is not run") {
  ServerCore core = greeted_core();
  core.receive("MAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\n" +
               std::string(kSmuggled));
  CHECK(drain(core) == Events{"command MAIL FROM:<a@example.org> path=a@example.org"});
  answer(core, "250 2.1.0 Ok");
  CHECK(drain(core) == Events{"command RCPT TO:<nobody@example.com> path=nobody@example.com"});
  answer(core, "550 5.1.1 No such user");
  CHECK(drain(core) == Events{"close pipelining violation"});
  CHECK(core.closed());
  CHECK(core.should_flush());
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n550 5.1.1 No such user\r\n554 5.5.1 Error: no valid recipients\r\n"
        "421 4.5.0 localhost Error: SMTP protocol synchronization\r\n");
  CHECK(feed(core, "MAIL FROM:<late@example.net>\r\n").empty());
  CHECK(take_output(core).empty());
}

TEST_CASE("DATA refused by the application: the pipelined message is not run") {
  ServerCore core = greeted_core();
  core.receive("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" +
               std::string(kSmuggled));
  CHECK(drain(core).size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(drain(core).size() == 1);
  answer(core, "250 2.1.5 Ok");
  CHECK(drain(core) == Events{"command DATA"});
  answer(core, "451 4.7.0 Content adaptation unavailable, try again later");
  CHECK(drain(core) == Events{"close pipelining violation"});
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n451 4.7.0 Content adaptation unavailable, try again later\r\n"
        "421 4.5.0 localhost Error: SMTP protocol synchronization\r\n");
}

TEST_CASE("DATA without a transaction, or with an argument, and input behind it: closed") {
  for (std::string_view data : {"DATA\r\n", "DATA now\r\n"}) {
    ServerCore core = greeted_core();
    core.receive(std::string(data) + std::string(kSmuggled));
    CHECK(drain(core) == Events{"close pipelining violation"});
    const std::string output = take_output(core);
    CHECK(output.ends_with("\r\n421 4.5.0 localhost Error: SMTP protocol synchronization\r\n"));
    CHECK((output.starts_with("503 5.5.1 Error: need MAIL command\r\n") ||
           output.starts_with("501 5.5.4 Syntax: DATA\r\n")));
  }
}

TEST_CASE("a refused DATA with nothing behind it leaves the session open") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n").size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(feed(core, "RCPT TO:<nobody@example.com>\r\n").size() == 1);
  answer(core, "550 5.1.1 No such user");
  CHECK(feed(core, "DATA\r\n").empty());
  CHECK_FALSE(core.closed());
  CHECK(feed(core, "RSET\r\n") == Events{"reset"});
  CHECK(take_output(core) ==
        "250 2.1.0 Ok\r\n550 5.1.1 No such user\r\n554 5.5.1 Error: no valid recipients\r\n"
        "250 2.0.0 Ok\r\n");
}

TEST_CASE("an accepted DATA reads what was pipelined behind it as the message") {
  ServerCore core = greeted_core();
  core.receive("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nhi\r\n.\r\n");
  CHECK(drain(core).size() == 1);
  answer(core, "250 2.1.0 Ok");
  CHECK(drain(core).size() == 1);
  answer(core, "250 2.1.5 Ok");
  CHECK(drain(core) == Events{"command DATA"});
  answer(core, "354 Go ahead");
  CHECK(drain(core) == Events{"chunk hi\r\n", "end 4"});
}

TEST_CASE("the closing 421 does not follow a DATA refusal that closed the session already") {
  ServerLimits limits;
  limits.max_bad_commands = 1;
  ServerCore core = greeted_core(limits);
  core.receive("DATA now\r\nMAIL FROM:<a@example.org>\r\n");
  CHECK(drain(core) == Events{"close too many errors"});
  CHECK(take_output(core) ==
        "501 5.5.4 Syntax: DATA\r\n421 4.7.0 localhost Error: too many errors\r\n");
}

}  // namespace opes::smtp::test
