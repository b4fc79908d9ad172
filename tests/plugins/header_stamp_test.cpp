#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "support/plugin_runner.hpp"

using namespace plugin_test;

namespace {

const std::string message = "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n";

ServiceInstance stamp(std::string_view config, std::string_view service = "header-stamp") {
  return instantiate(OPES_HEADER_STAMP_SO, service, config);
}

}  // namespace

TEST_CASE("header-stamp: adds the configured header to the message and keeps its content") {
  const PartVerdict verdict =
      only_verdict(run(stamp(R"({"name":"X-Scanned-By","value":"OPES-SMTP"})"),
                       {part("MAIL", "<a@example.org>"), part("RAWDATA", message)}));
  CHECK(verdict.part == "RAWDATA");
  CHECK(verdict.action == Action::Keep);
  CHECK(verdict.content.empty());
  CHECK(verdict.headers == std::vector<std::string>{"X-Scanned-By: OPES-SMTP"});
}

TEST_CASE("header-stamp: adds several headers, in the configured order") {
  const PartVerdict verdict = only_verdict(run(
      stamp(R"({"headers":[{"name":"X-One","value":"1"},{"name":"X-Two","value":"two words"}]})"),
      {part("RAWDATA", message)}));
  CHECK(verdict.headers == std::vector<std::string>{"X-One: 1", "X-Two: two words"});
}

TEST_CASE("header-stamp: stamps every message once, however it is chunked") {
  const ServiceInstance instance = stamp(R"({"name":"X-A","value":"b"})");
  for (std::size_t size : {1u, 7u, 1000u}) {
    CAPTURE(size);
    const PartVerdict verdict = only_verdict(run(instance, {{"RAWDATA", chunked(message, size)}}));
    CHECK(verdict.headers == std::vector<std::string>{"X-A: b"});
  }
}

TEST_CASE("header-stamp: the header-stamp-headers service answers on ALLHEADERS") {
  const ServiceInstance instance = stamp(R"({"name":"X-A","value":"b"})", "header-stamp-headers");
  CHECK(instance.info().adapts("ALLHEADERS"));
  const TransactionResult result =
      run(instance, {part("ALLHEADERS", "Subject: hi\r\n\r\n"), part("BODY", "Hello\r\n")});
  const PartVerdict verdict = only_verdict(result);
  CHECK(verdict.part == "ALLHEADERS");
  CHECK(verdict.headers == std::vector<std::string>{"X-A: b"});
}

TEST_CASE(
    "header-stamp: keeps the message unstamped, with a warning, where Add-Header is not accepted") {
  LogLines logs;
  InstanceOptions options = quiet_options();
  options.log = logs.sink();
  const ServiceInstance instance =
      instantiate(OPES_HEADER_STAMP_SO, "header-stamp", R"({"name":"X-A","value":"b"})", options);
  auto tx = instance.begin();
  REQUIRE(tx.has_value());
  REQUIRE(tx->feed("RAWDATA", message, true, Allow{true, true, false}).has_value());
  const PartVerdict verdict = only_verdict(tx->end_of_message());
  CHECK(verdict.action == Action::Keep);
  CHECK(verdict.headers.empty());
  REQUIRE(logs.lines.size() == 1);
  CHECK(logs.lines[0].find("does not accept Add-Header") != std::string::npos);
}

TEST_CASE("header-stamp: refuses configurations that would produce a broken or extra header") {
  for (const char* config : {
           R"({"name":"X-A","value":"1\r\nX-Injected: 2"})",
           R"({"name":"X-A","value":"bare\nLF"})",
           R"({"name":"X-A","value":"caf\u00e9"})",
           R"({"name":"X A","value":"1"})",
           R"({"name":"X:A","value":"1"})",
           R"({"name":"","value":"1"})",
           R"({"name":"X-A"})",
           R"({"name":"X-A","value":"1","colour":"red"})",
           R"({"name":"X-A","value":"1","headers":[]})",
           R"({"headers":[]})",
           R"({"headers":{"name":"X-A","value":"1"}})",
           R"(["X-A"])",
           "not json",
       }) {
    CAPTURE(config);
    CHECK(config_error(OPES_HEADER_STAMP_SO, "header-stamp", config).code == Errc::config_rejected);
  }
  const std::string long_value = R"({"name":"X-A","value":")" + std::string(995, 'v') + "\"}";
  CHECK(config_error(OPES_HEADER_STAMP_SO, "header-stamp", long_value).code ==
        Errc::config_rejected);
}

TEST_CASE("header-stamp: one instance serves transactions on several threads at once") {
  const ServiceInstance instance = stamp(R"({"name":"X-A","value":"b"})");
  std::vector<std::thread> threads;
  std::vector<int> stamped(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto tx = instance.begin();
        if (!tx || !tx->feed("RAWDATA", message, true)) continue;
        const TransactionResult& result = tx->end_of_message();
        if (result.outcome == Outcome::Completed && result.verdicts.size() == 1 &&
            result.verdicts[0].headers.size() == 1) {
          ++stamped[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(stamped == std::vector<int>(4, 200));
}
