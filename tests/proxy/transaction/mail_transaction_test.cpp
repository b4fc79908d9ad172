// MAIL, RCPT and DATA through the callout server and the delivery: the
// failure policies at MAIL, bypass, changed and refused arguments, and the
// delivery's own refusals.

#include "transaction_fixture.hpp"

namespace opes::proxy::testing {
namespace {

const std::vector<std::string> kBothServices{"urn:opes-smtp:service:filter",
                                             "urn:opes-smtp:service:stamp"};

TEST_CASE("a message goes through the callout server before the delivery gets it") {
  TransactionFixture f;
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.mail == Reply::line(250, "2.1.0 Ok"));
  CHECK(replies.rcpt == std::vector<Reply>{Reply::line(250, "2.1.5 Ok")});
  CHECK(replies.data == Reply::line(354, "End data with <CR><LF>.<CR><LF>"));
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  CHECK(f.callout.record.begins == std::vector<std::vector<std::string>>{kBothServices});
  // smtp §3.1, A-21: IP and EHLO for information, then the commands.
  CHECK(f.callout.record.commands == std::vector<std::string>{"IP 127.0.0.1", "EHLO client.test",
                                                              "MAIL <sender@example.org>",
                                                              "RCPT <user@example.net>"});
  CHECK(f.callout.record.content == kMessage);
  CHECK(f.callout.record.aborted.empty());
  CHECK(f.delivery.calls == std::vector<std::string>{"MAIL FROM:<sender@example.org>",
                                                     "RCPT TO:<user@example.net>", "DATA", "END"});
  REQUIRE(f.delivery.messages.size() == 1);
  const std::string& delivered = f.delivery.messages.front();
  CHECK(delivered.rfind("Received: from client.test (", 0) == 0);
  CHECK(delivered.find("\tby gateway.test (opes-proxy) with ESMTP id SESSION00001.1\r\n") !=
        std::string::npos);
  CHECK(delivered.find("OPES-System: http://gateway.test/opes?session=SESSION00001.1") !=
        std::string::npos);
  CHECK(delivered.size() > kMessage.size());
  CHECK(delivered.substr(delivered.size() - kMessage.size()) == kMessage);
  // XFORWARD/XCLIENT: who the client is, with the transaction id.
  REQUIRE(f.delivery.clients.size() == 1);
  CHECK(f.delivery.clients.front() ==
        smtp::ForwardedClient{"127.0.0.1", 40000, "client.test", true, "SESSION00001.1"});
}

TEST_CASE("the client's facts go to the callout server as AM-OPT") {
  TransactionFixture f;
  f.origin.tls = true;
  (void)f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(f.callout.record.meta ==
        std::vector<ocp::smtp::AmOption>{{"client-address", "127.0.0.1"},
                                         {"tls", "yes"},
                                         {"transaction-id", "SESSION00001.1"},
                                         {"helo", "client.test"}});
}

TEST_CASE("an unreachable callout server at MAIL tempfails under the tempfail policy") {
  TransactionFixture f;
  f.callout.script.unreachable = true;
  auto transaction = f.make();
  const smtp::PathArgument from = path("sender@example.org");
  const Reply reply = run<Reply>([&] { return transaction->mail(from); });
  CHECK(reply == processor::failure_reply());
  CHECK(reply.code == 451);
  CHECK_FALSE(transaction->open());
  CHECK(f.delivery.calls.empty());
}

TEST_CASE(
    "an unreachable callout server at MAIL passes the message unadapted under the pass policy") {
  TransactionFixture f;
  f.callout.script.unreachable = true;
  f.group().on_failure = FailurePolicy::pass;
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.mail.is_positive());
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  CHECK(f.callout.record.commands.empty());
  REQUIRE(f.delivery.messages.size() == 1);
  CHECK(f.delivery.messages.front().substr(f.delivery.messages.front().size() - kMessage.size()) ==
        kMessage);
}

TEST_CASE("a bypass request skips a bypassable service and runs a protected one") {
  TransactionFixture f;
  const smtp::PathArgument from = path("sender@example.org", {{"OPESBYPASS", "stamp,filter"}});
  const Replies replies = f.send(from, {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  CHECK(f.callout.record.begins ==
        std::vector<std::vector<std::string>>{{"urn:opes-smtp:service:filter"}});
}

TEST_CASE("a bypass the operator forbids runs every service") {
  TransactionFixture f;
  f.config.allow_bypass = false;
  const smtp::PathArgument from = path("sender@example.org", {{"OPESBYPASS", "stamp"}});
  (void)f.send(from, {"user@example.net"}, kMessage);
  CHECK(f.callout.record.begins == std::vector<std::vector<std::string>>{kBothServices});
}

TEST_CASE("a bypass subset the callout server cannot take is not applied: every service runs") {
  TransactionFixture f;
  f.callout.script.refuse_fewer_than = 2;
  const smtp::PathArgument from = path("sender@example.org", {{"OPESBYPASS", "stamp"}});
  const Replies replies = f.send(from, {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  CHECK(f.callout.record.begins ==
        std::vector<std::vector<std::string>>{{"urn:opes-smtp:service:filter"}, kBothServices});
}

TEST_CASE("an invalid OPES parameter is refused before anything is asked") {
  TransactionFixture f;
  auto transaction = f.make();
  const smtp::PathArgument from = path("sender@example.org", {{"OPESBYPASS", ""}});
  const Reply reply = run<Reply>([&] { return transaction->mail(from); });
  CHECK(reply.code == 555);
  CHECK_FALSE(transaction->open());
  CHECK(f.callout.record.begins.empty());
  CHECK(f.delivery.calls.empty());
}

TEST_CASE("a changed MAIL argument is what the delivery gets") {
  TransactionFixture f;
  f.callout.script.answers.emplace("MAIL", CommandAnswer{std::nullopt, "<other@example.org>"});
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end->is_positive());
  CHECK(f.delivery.calls.front() == "MAIL FROM:<other@example.org>");
}

TEST_CASE(
    "a changed RCPT that is not a valid path fails the adaptation under the tempfail policy") {
  TransactionFixture f;
  f.callout.script.answers.emplace("RCPT", CommandAnswer{std::nullopt, "not a path"});
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.mail.is_positive());
  CHECK(replies.rcpt == std::vector<Reply>{processor::failure_reply()});
  // Every later command of the transaction gets the 451 too.
  CHECK(replies.data == processor::failure_reply());
  CHECK(f.delivery.calls == std::vector<std::string>{"MAIL FROM:<sender@example.org>", "RSET"});
  CHECK(f.callout.record.aborted.find("the changed argument is not valid") != std::string::npos);
}

TEST_CASE("an SMTP-Error on RCPT answers that recipient and the transaction goes on") {
  TransactionFixture f;
  const Reply refusal = Reply::line(550, "5.1.1 No such user");
  f.callout.script.answers.emplace("RCPT", CommandAnswer{refusal, std::nullopt});
  const Replies replies =
      f.send(path("sender@example.org"), {"nobody@example.net", "user@example.net"}, kMessage);
  CHECK(replies.rcpt == std::vector<Reply>{refusal, refusal});
  // No recipient was taken: DATA has none.
  CHECK(replies.data == Reply::line(554, "5.5.1 No valid recipients"));
  CHECK(f.delivery.calls == std::vector<std::string>{"MAIL FROM:<sender@example.org>", "RSET"});
}

TEST_CASE("a recipient outside the relay policy is refused before the callout server is asked") {
  TransactionFixture f;
  f.origin.address = "192.0.2.7";
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.rcpt ==
        std::vector<Reply>{Reply::line(554, "5.7.1 <user@example.net>: Relay access denied")});
  CHECK(f.callout.record.commands ==
        std::vector<std::string>{"IP 192.0.2.7", "EHLO client.test", "MAIL <sender@example.org>"});
}

TEST_CASE("the upstream refusing MAIL is the client's answer and the transaction never opens") {
  TransactionFixture f;
  f.delivery.mail_reply = Reply::line(421, "4.4.2 upstream unreachable");
  auto transaction = f.make();
  const smtp::PathArgument from = path("sender@example.org");
  const Reply reply = run<Reply>([&] { return transaction->mail(from); });
  CHECK(reply == Reply::line(421, "4.4.2 upstream unreachable"));
  CHECK_FALSE(transaction->open());
  CHECK(f.callout.record.finished);  // an SMTP outcome: TE 200
}

TEST_CASE("the upstream refusing RCPT is relayed and that recipient is not counted") {
  TransactionFixture f;
  f.delivery.rcpt_reply = Reply::line(550, "5.1.1 unknown upstream");
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.rcpt == std::vector<Reply>{Reply::line(550, "5.1.1 unknown upstream")});
  CHECK(replies.data == Reply::line(554, "5.5.1 No valid recipients"));
}

TEST_CASE("the upstream refusing DATA is the reply to the final dot") {
  TransactionFixture f;
  f.delivery.data_refusal = Reply::line(554, "5.3.0 no DATA here");
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(554, "5.3.0 no DATA here"));
  CHECK(f.delivery.calls == std::vector<std::string>{"MAIL FROM:<sender@example.org>",
                                                     "RCPT TO:<user@example.net>", "DATA"});
}

TEST_CASE("the per-address transaction limit refuses MAIL before the callout server is asked") {
  TransactionFixture f;
  ClientLimits one{ClientLimitSettings{20, 1}};
  TransactionContext context{f.config, f.callout, f.trace, one};
  f.origin.address = "192.0.2.7";
  MailTransaction first(context, f.origin, f.group(), f.delivery, f.ids);
  MailTransaction second(context, f.origin, f.group(), f.delivery, f.ids);
  const smtp::PathArgument from = path("sender@example.org");
  const Reply opened = run<Reply>([&] { return first.mail(from); });
  const Reply refused = run<Reply>([&] { return second.mail(from); });
  CHECK(opened.is_positive());
  CHECK(refused ==
        Reply::line(451, "4.7.1 Too many open transactions from your address, try again later"));
  CHECK(f.callout.record.begins.size() == 1);
  CHECK(first.id() == "SESSION00001.1");
}

TEST_CASE("RSET ends the OCP transaction with TE 200 and resets the delivery") {
  TransactionFixture f;
  auto transaction = f.make();
  run_void([&]() -> boost::asio::awaitable<void> {
    const smtp::PathArgument from = path("sender@example.org");
    (void)co_await transaction->mail(from);
    co_await transaction->end(false);
  });
  CHECK(f.callout.record.finished);
  CHECK(f.callout.record.aborted.empty());
  CHECK(f.delivery.calls.back() == "RSET");
}

TEST_CASE("a client that goes away aborts the OCP transaction") {
  TransactionFixture f;
  auto transaction = f.make();
  run_void([&]() -> boost::asio::awaitable<void> {
    const smtp::PathArgument from = path("sender@example.org");
    (void)co_await transaction->mail(from);
    co_await transaction->end(true);
  });
  CHECK(f.callout.record.aborted == "the SMTP client went away");
}

TEST_CASE("VRFY goes to the callout server only inside a transaction with one") {
  TransactionFixture f;
  f.callout.script.answers.emplace("VRFY",
                                   CommandAnswer{Reply::line(252, "2.1.5 maybe"), std::nullopt});
  auto transaction = f.make();
  std::optional<Reply> answer;
  run_void([&]() -> boost::asio::awaitable<void> {
    const smtp::PathArgument from = path("sender@example.org");
    (void)co_await transaction->mail(from);
    const ocp::smtp::AmPart vrfy = ocp::smtp::AmPart::vrfy;
    answer = co_await transaction->verify(vrfy, "user");
  });
  CHECK(answer == Reply::line(252, "2.1.5 maybe"));
  CHECK(f.callout.record.commands.back() == "VRFY user");
}

}  // namespace
}  // namespace opes::proxy::testing
