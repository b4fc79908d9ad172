// After the final dot: the failure policy at DATA (with and without the
// original kept), Add-Header in time and late, Advice (quarantine,
// discard), a content refusal, local (disk) errors and the opestrace
// notification sent through the delivery.

#include "transaction_fixture.hpp"

namespace opes::proxy::testing {
namespace {

using Stages = std::vector<std::vector<processor::LinkEvent>>;

processor::AnswerReceived with_header(processor::AnswerReceived answer, std::string name,
                                      std::string value) {
  // The value as on the wire, after the colon (smtp §3.3.5).
  answer.add_header.push_back({std::move(name), std::move(value)});
  return answer;
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

const std::vector<std::string> kNothingDelivered{"MAIL FROM:<sender@example.org>",
                                                 "RCPT TO:<user@example.net>", "RSET"};

TEST_CASE("the adapted message is what the delivery gets") {
  TransactionFixture f;
  f.callout.script.at_end = [](const std::string&) {
    return Stages{{rawdata_answer("Subject: changed\r\n\r\nNew body.\r\n"), adapted_ended(),
                   finished_by_server()}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  REQUIRE(f.delivery.messages.size() == 1);
  CHECK(ends_with(f.delivery.messages.front(), "Subject: changed\r\n\r\nNew body.\r\n"));
}

TEST_CASE("a callout failure at DATA answers 451 under the tempfail policy and delivers nothing") {
  TransactionFixture f;
  f.callout.script.at_end = [](const std::string&) {
    return Stages{{finished_by_link("no answer within 30 s")}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == processor::failure_reply());
  CHECK(f.delivery.calls == kNothingDelivered);
  CHECK(f.delivery.messages.empty());
}

TEST_CASE("a callout failure at DATA passes the kept original under the pass policy") {
  TransactionFixture f;
  f.group().on_failure = FailurePolicy::pass;
  f.callout.script.at_end = [](const std::string&) {
    return Stages{{finished_by_link("no answer within 30 s")}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  REQUIRE(f.delivery.messages.size() == 1);
  const std::string& delivered = f.delivery.messages.front();
  // The original with the Received field only: no trace of services that
  // did not run.
  CHECK(delivered.rfind("Received: from client.test", 0) == 0);
  CHECK(delivered.find("OPES-System") == std::string::npos);
  CHECK(ends_with(delivered, kMessage));
}

TEST_CASE(
    "a callout failure at DATA under the pass policy with an unreadable original is a local "
    "error") {
  TransactionFixture f;
  f.group().on_failure = FailurePolicy::pass;
  // The original spills to disk at once, into a folder that cannot exist:
  // its parent is a file (root ignores permissions, not this).
  std::ofstream(f.folder.path / "file") << "x";
  f.config.work_directory = f.folder.path / "file" / "spill";
  f.config.limits.memory_buffer = 4;
  f.callout.script.at_end = [](const std::string&) {
    return Stages{{finished_by_link("no answer within 30 s")}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == local_error_reply());
  CHECK(f.delivery.messages.empty());
  CHECK(f.delivery.calls.back() == "RSET");
}

TEST_CASE("an unwritable spill folder is a local error, not a callout failure") {
  TransactionFixture f;
  std::ofstream(f.folder.path / "file") << "x";
  f.config.work_directory = f.folder.path / "file" / "spill";
  f.config.limits.memory_buffer = 4;
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == local_error_reply());
  CHECK(replies.end->code == 451);
  CHECK(f.delivery.messages.empty());
  CHECK(f.delivery.calls == kNothingDelivered);
}

TEST_CASE("Add-Header in time goes into the header section") {
  TransactionFixture f;
  f.callout.script.at_end = [](const std::string& content) {
    return Stages{{with_header(rawdata_answer(content), "X-Scanned-By", " fake"), adapted_ended(),
                   finished_by_server()}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end->is_positive());
  REQUIRE(f.delivery.messages.size() == 1);
  CHECK(f.delivery.messages.front().find("X-Scanned-By: fake\r\n") != std::string::npos);
}

TEST_CASE("an Add-Header after the header section went out is dropped and the message delivered") {
  TransactionFixture f;
  f.callout.script.at_end = [](const std::string& content) {
    return Stages{{rawdata_answer(content)},
                  {with_header(rawdata_answer("", false), "X-Late", "too late"), adapted_ended(),
                   finished_by_server()}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  REQUIRE(f.delivery.messages.size() == 1);
  CHECK(f.delivery.messages.front().find("X-Late") == std::string::npos);
  CHECK(ends_with(f.delivery.messages.front(), kMessage));
}

TEST_CASE("a content refusal is the reply and the delivery forgets the transaction") {
  TransactionFixture f;
  f.callout.script.at_end = [](const std::string&) {
    processor::AnswerReceived refusal = rawdata_answer("");
    refusal.smtp_error = Reply::line(554, "5.7.1 GTUBE found");
    return Stages{{refusal, adapted_ended(), finished_by_server()}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(554, "5.7.1 GTUBE found"));
  CHECK(f.delivery.calls == kNothingDelivered);
}

TEST_CASE("a discard advice answers 250 and delivers nothing") {
  TransactionFixture f;
  f.callout.script.at_end = [](const std::string& content) {
    processor::AnswerReceived answer = rawdata_answer(content);
    answer.advice = ocp::smtp::Advice::discard;
    return Stages{{answer, adapted_ended(), finished_by_server()}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: discarded by content policy"));
  CHECK(f.delivery.calls == kNothingDelivered);
  CHECK(TransactionFixture::stored(f.config.quarantine).empty());
}

TEST_CASE("a quarantine advice stores the message through a spool delivery and delivers nothing") {
  TransactionFixture f;
  f.callout.script.at_end = [](const std::string& content) {
    processor::AnswerReceived answer = rawdata_answer(content);
    answer.advice = ocp::smtp::Advice::quarantine;
    return Stages{{answer, adapted_ended(), finished_by_server()}};
  };
  const smtp::PathArgument from = path("sender@example.org", {{"RET", "HDRS"}});
  const Replies replies = f.send(from, {"user@example.net"}, kMessage);
  REQUIRE(replies.end.has_value());
  CHECK(replies.end->code == 250);
  REQUIRE(replies.end->lines.size() == 1);
  CHECK(replies.end->lines.front().rfind("2.0.0 Ok: quarantined as ", 0) == 0);
  CHECK(f.delivery.calls == std::vector<std::string>{"MAIL FROM:<sender@example.org> RET=HDRS",
                                                     "RCPT TO:<user@example.net>", "RSET"});
  const std::vector<std::string> stored = TransactionFixture::stored(f.config.quarantine);
  REQUIRE(stored.size() == 1);
  CHECK(stored.front().rfind("Return-Path: <sender@example.org>\r\n", 0) == 0);
  CHECK(stored.front().find("Envelope-To: <user@example.net>\r\nEnvelope-DSN: RET=HDRS\r\n") !=
        std::string::npos);
  CHECK(ends_with(stored.front(), kMessage));
}

TEST_CASE("a quarantine that cannot be written answers 451 4.3.0") {
  TransactionFixture f;
  std::ofstream(f.folder.path / "file") << "x";
  f.config.quarantine = f.folder.path / "file" / "quarantine";
  f.callout.script.at_end = [](const std::string& content) {
    processor::AnswerReceived answer = rawdata_answer(content);
    answer.advice = ocp::smtp::Advice::quarantine;
    return Stages{{answer, adapted_ended(), finished_by_server()}};
  };
  const Replies replies = f.send(path("sender@example.org"), {"user@example.net"}, kMessage);
  CHECK(replies.end ==
        Reply::line(451, "4.3.0 Cannot quarantine the message now, try again later"));
  CHECK(f.delivery.calls == kNothingDelivered);
}

TEST_CASE("an opestrace request from a relay client gets its notification through the delivery") {
  TransactionFixture f;
  const smtp::PathArgument from = path("sender@example.org", {{"OPESTRACE", std::nullopt}});
  const Replies replies = f.send(from, {"user@example.net"}, kMessage);
  CHECK(replies.end == Reply::line(250, "2.0.0 Ok: queued as FAKE"));
  REQUIRE(f.delivery.calls.size() == 8);
  CHECK(std::vector<std::string>(f.delivery.calls.begin() + 4, f.delivery.calls.end()) ==
        std::vector<std::string>{"MAIL FROM:<>", "RCPT TO:<sender@example.org>", "DATA", "END"});
  REQUIRE(f.delivery.messages.size() == 2);
  CHECK(f.delivery.messages[1].find("Message-ID: <opestrace.SESSION00001.1@gateway.test>") !=
        std::string::npos);
}

TEST_CASE("an opestrace request from a client outside relay.clients gets no notification") {
  TransactionFixture f;
  f.config.relay.domains.push_back("example.net");
  f.origin.address = "192.0.2.7";
  const smtp::PathArgument from = path("sender@example.org", {{"OPESTRACE", std::nullopt}});
  const Replies replies = f.send(from, {"user@example.net"}, kMessage);
  CHECK(replies.end->is_positive());
  CHECK(f.delivery.calls.size() == 4);
}

TEST_CASE("send_generated resets the delivery when a step is refused") {
  FakeDelivery delivery;
  delivery.rcpt_reply = Reply::line(550, "5.1.1 no such user");
  const GeneratedEnvelope envelope{path(""), path("sender@example.org")};
  const std::string content = "Subject: x\r\n\r\n";
  const Reply reply = run<Reply>([&] { return send_generated(delivery, envelope, content); });
  CHECK(reply == Reply::line(550, "5.1.1 no such user"));
  CHECK(delivery.calls ==
        std::vector<std::string>{"MAIL FROM:<>", "RCPT TO:<sender@example.org>", "RSET"});
}

}  // namespace
}  // namespace opes::proxy::testing
