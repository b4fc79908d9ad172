#include <doctest/doctest.h>

#include <string>

#include "support/plugin_runner.hpp"

using namespace plugin_test;

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

ServiceInstance throwing(std::string_view config = "{}", TransactionLimits limits = {}) {
  return instantiate(OPES_THROWING_SO, "throwing", config, quiet_options(limits));
}

Transaction begin(const ServiceInstance& instance, const Metadata& metadata = {}) {
  auto tx = instance.begin(metadata);
  REQUIRE_MESSAGE(tx.has_value(), (tx ? std::string() : tx.error().message));
  return std::move(*tx);
}

}  // namespace

TEST_CASE("transactions: an exception in a service fails that transaction only") {
  const ServiceInstance instance = throwing();
  Transaction failing = begin(instance);
  Transaction healthy = begin(instance);

  const auto fed = failing.feed("MAIL", "throw", true);
  REQUIRE_FALSE(fed.has_value());
  CHECK(fed.error().code == Errc::transaction_failed);
  CHECK(failing.result().outcome == Outcome::Failed);
  CHECK(contains(failing.result().failure, "service threw on purpose"));
  CHECK(contains(failing.result().failure, "part 0 (MAIL)"));
  CHECK_FALSE(failing.is_open());

  // The other transaction, already open, and a new one carry on.
  REQUIRE(healthy.feed("MAIL", "<a@example.org>", true).has_value());
  CHECK(healthy.end_of_message().outcome == Outcome::Completed);
  CHECK(run(instance, {part("MAIL", "<b@example.org>")}).outcome == Outcome::Completed);
}

TEST_CASE("transactions: an exception that is not a std::exception fails the transaction too") {
  const TransactionResult result = run(throwing(), {part("RCPT", "throw-int")});
  CHECK(result.outcome == Outcome::Failed);
  CHECK(contains(result.failure, "unknown exception"));
}

TEST_CASE("transactions: an exception at the end of the message fails the transaction") {
  const TransactionResult result =
      run(throwing(R"({"throw_at_end":true})"), {part("MAIL", "<a@example.org>")});
  CHECK(result.outcome == Outcome::Failed);
  CHECK(contains(result.failure, "end of message: end of message failed on purpose"));
}

TEST_CASE("transactions: a service can refuse to begin, based on the metadata") {
  const ServiceInstance instance = throwing();
  auto refused = instance.begin({{"refuse-begin", "yes"}});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == Errc::transaction_failed);
  CHECK(contains(refused.error().message, "begin refused on purpose"));
  CHECK(instance.begin({{std::string(metadata_key::client_address), "192.0.2.1"}}).has_value());
}

TEST_CASE("transactions: a command part's verdict is final as soon as it has been fed") {
  const ServiceInstance instance = throwing();
  Transaction tx = begin(instance);
  const auto mail = tx.feed("MAIL", "reject:550 5.7.1 Sender refused", true);
  REQUIRE(mail.has_value());
  const PartVerdict* verdict = tx.verdict(*mail);
  REQUIRE(verdict);
  CHECK(verdict->action == Action::Reject);
  CHECK(verdict->smtp_reply == "550 5.7.1 Sender refused");
  CHECK(verdict->part == "MAIL");

  const auto rcpt = tx.feed("RCPT", "replace:<other@example.org>", true);
  REQUIRE(rcpt.has_value());
  REQUIRE(tx.verdict(*rcpt));
  CHECK(tx.verdict(*rcpt)->action == Action::Replace);
  CHECK(tx.verdict(*rcpt)->content == "<other@example.org>");
}

TEST_CASE("transactions: a content part's verdict is final only at the end of the message") {
  Transaction tx = begin(throwing());
  const auto raw = tx.feed("RAWDATA", "replace:new content", true);
  REQUIRE(raw.has_value());
  CHECK(tx.verdict(*raw) == nullptr);
  const TransactionResult& result = tx.end_of_message();
  REQUIRE(result.outcome == Outcome::Completed);
  REQUIRE(tx.verdict(*raw));
  CHECK(tx.verdict(*raw)->content == "new content");
}

TEST_CASE("transactions: parts the service did not ask for are passed over") {
  Transaction tx = begin(throwing());
  // The service would throw on this content if it saw it.
  const auto vrfy = tx.feed("VRFY", "throw", true);
  REQUIRE(vrfy.has_value());
  CHECK(*vrfy == 0);
  CHECK(tx.verdict(*vrfy) == nullptr);
  const auto mail = tx.feed("MAIL", "<a@example.org>", true);
  CHECK(*mail == 1);
  const TransactionResult& result = tx.end_of_message();
  REQUIRE(result.verdicts.size() == 1);
  CHECK(result.verdicts[0].index == 1);
}

TEST_CASE("transactions: informative parts are delivered but cannot be answered") {
  Transaction tx = begin(throwing());
  const auto helo = tx.feed("HELO", "client.example.org", true);
  REQUIRE(helo.has_value());
  CHECK(tx.verdict(*helo) == nullptr);
  const auto answer = tx.feed("MAIL", "answer-helo", true);
  REQUIRE_FALSE(answer.has_value());
  CHECK(contains(tx.result().failure, "part 0 (HELO), which the service does not adapt"));
}

TEST_CASE(
    "transactions: an answer the host refuses fails the transaction even if the service ignores "
    "it") {
  const TransactionResult bad_reply = run(throwing(), {part("MAIL", "reject:250 OK")});
  CHECK(bad_reply.outcome == Outcome::Failed);
  CHECK(contains(bad_reply.failure, "not a 4yz or 5yz rejection"));

  const TransactionResult swallowed = run(throwing(), {part("MAIL", "swallow-refusal")});
  CHECK(swallowed.outcome == Outcome::Failed);
  CHECK(contains(swallowed.failure, "answer refused"));

  const TransactionResult injected =
      run(throwing(), {part("MAIL", "header:X-A: 1\r\nX-B: injected")});
  CHECK(injected.outcome == Outcome::Failed);
  CHECK(contains(injected.failure, "add_header"));
}

TEST_CASE("transactions: added headers and advice are recorded on the part's verdict") {
  const TransactionResult result =
      run(throwing(), {part("MAIL", "header:X-Scanned: yes"), part("RCPT", "quarantine")});
  REQUIRE(result.outcome == Outcome::Completed);
  REQUIRE(result.verdicts.size() == 2);
  CHECK(result.verdicts[0].headers == std::vector<std::string>{"X-Scanned: yes"});
  CHECK(result.verdicts[0].action == Action::Keep);
  CHECK(result.verdicts[1].advice == Advice::Quarantine);
}

TEST_CASE("transactions: the service sees what the processor accepts for a part (Allow)") {
  Transaction tx = begin(throwing());
  const auto all = tx.feed("MAIL", "report-allow", true);
  CHECK(tx.verdict(*all)->content == "allow=7");
  const auto some = tx.feed("RCPT", "report-allow", true, Allow{true, false, false});
  CHECK(tx.verdict(*some)->content == "allow=1");
  const auto none = tx.feed("RCPT", "report-allow", true, Allow::none());
  CHECK(tx.verdict(*none)->content == "allow=0");  // keep and replace need no Allow
}

TEST_CASE(
    "transactions: an answer the processor does not accept for the part is refused (§3.3.2)") {
  const auto fails_with = [](const char* content, Allow allow, const char* why) {
    Transaction tx = begin(throwing());
    CHECK_FALSE(tx.feed("MAIL", content, true, allow).has_value());
    CHECK(tx.result().outcome == Outcome::Failed);
    CHECK(contains(tx.result().failure, why));
  };
  fails_with("reject:550 no", Allow{false, true, true}, "does not accept SMTP-Error");
  fails_with("header:X-A: 1", Allow{true, true, false}, "does not accept Add-Header");
  fails_with("quarantine", Allow{true, false, true}, "does not accept Advice");
}

TEST_CASE("transactions: host limits on answers fail the transaction") {
  TransactionLimits small;
  small.max_replacement = 2;
  CHECK(contains(run(throwing("{}", small), {part("MAIL", "replace:abc")}).failure,
                 "exceeds the limit of 2 octets"));
  small = {};
  small.max_added_headers = 1;
  const TransactionResult headers =
      run(throwing("{}", small), {part("MAIL", "header:X-A: 1"), part("RCPT", "header:X-B: 2")});
  CHECK(headers.outcome == Outcome::Failed);
  CHECK(contains(headers.failure, "more than 1 added header fields"));
}

TEST_CASE("transactions: a streaming service sees each chunk when it arrives") {
  Transaction tx = begin(throwing());
  REQUIRE(tx.feed("RAWDATA", "harmless ", false).has_value());
  const auto second = tx.feed("RAWDATA", "throw", false);
  REQUIRE_FALSE(second.has_value());
  CHECK(tx.result().outcome == Outcome::Failed);
}

TEST_CASE("transactions: a whole-parts service gets a chunked part in one call") {
  const ServiceInstance whole = instantiate(OPES_THROWING_SO, "whole-parts", "{}");
  const TransactionResult result = run(whole, {{"RAWDATA", {"From: a\r\n", "\r\n", "body\r\n"}}});
  CHECK(only_verdict(result).content == "chunks=1 octets=17");
}

TEST_CASE("transactions: buffering beyond the configured limit fails the transaction") {
  TransactionLimits limits;
  limits.max_buffered_part = 10;
  const ServiceInstance whole =
      instantiate(OPES_THROWING_SO, "whole-parts", "{}", quiet_options(limits));
  CHECK(only_verdict(run(whole, {{"RAWDATA", {"12345", "67890"}}})).content ==
        "chunks=1 octets=10");

  Transaction tx = begin(whole);
  REQUIRE(tx.feed("RAWDATA", "123456", false).has_value());
  const auto over = tx.feed("RAWDATA", "78901", false);
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().code == Errc::limit_exceeded);
  CHECK(contains(tx.result().failure, "exceeds the buffering limit of 10 octets"));
}

TEST_CASE("transactions: feeding parts out of protocol is a misuse that fails the transaction") {
  const ServiceInstance instance = throwing();
  {
    Transaction tx = begin(instance);
    const auto split = tx.feed("MAIL", "<a@", false);  // draft §3.3.1: commands come whole
    REQUIRE_FALSE(split.has_value());
    CHECK(split.error().code == Errc::misuse);
  }
  {
    Transaction tx = begin(instance);
    REQUIRE(tx.feed("RAWDATA", "first half", false).has_value());
    const auto interleaved = tx.feed("RCPT", "<b@example.org>", true);
    REQUIRE_FALSE(interleaved.has_value());
    CHECK(interleaved.error().code == Errc::misuse);
    CHECK(contains(tx.result().failure, "still waits for its last chunk"));
  }
  {
    Transaction tx = begin(instance);
    REQUIRE(tx.feed("RAWDATA", "never finished", false).has_value());
    CHECK(tx.end_of_message().outcome == Outcome::Failed);
  }
  {
    Transaction tx = begin(instance);
    CHECK(tx.feed("DATA", "x", true).error().code == Errc::misuse);
  }
}

TEST_CASE("transactions: nothing more can be fed after the end, and the result stays") {
  Transaction tx = begin(throwing());
  REQUIRE(tx.feed("MAIL", "reject:550 no", true).has_value());
  CHECK(tx.end_of_message().outcome == Outcome::Completed);
  const auto late = tx.feed("RCPT", "<late@example.org>", true);
  REQUIRE_FALSE(late.has_value());
  CHECK(late.error().code == Errc::misuse);
  CHECK(tx.result().outcome == Outcome::Completed);
  CHECK(tx.end_of_message().verdicts.size() == 1);
}

TEST_CASE("transactions: an aborted transaction accepts nothing more") {
  Transaction tx = begin(throwing());
  REQUIRE(tx.feed("MAIL", "<a@example.org>", true).has_value());
  tx.abort();
  CHECK(tx.result().outcome == Outcome::Aborted);
  CHECK_FALSE(tx.feed("RCPT", "<b@example.org>", true).has_value());
  tx.abort();  // harmless twice
}

TEST_CASE("transactions: dropping an open transaction releases it in the plugin") {
  const ServiceInstance instance = throwing();
  for (int i = 0; i < 100; ++i) {
    Transaction tx = begin(instance);
    REQUIRE(tx.feed("RAWDATA", "some data", false).has_value());
  }  // under ASan, a leaked plugin transaction would be reported
}

TEST_CASE("transactions: a part the negotiation made informative is only read, never answered") {
  const ServiceInstance instance = throwing();
  Transaction tx = begin(instance);
  const auto read = tx.feed("MAIL", "<a@example.org>", true, Allow{}, /*may_adapt=*/false);
  REQUIRE(read.has_value());
  CHECK(tx.verdict(*read) == nullptr);
  // An answer to it is refused, which fails the transaction.
  const auto answered = tx.feed("RCPT", "replace:<b@example.org>", true, Allow{}, false);
  REQUIRE_FALSE(answered.has_value());
  CHECK(contains(tx.result().failure, "does not adapt"));
}
