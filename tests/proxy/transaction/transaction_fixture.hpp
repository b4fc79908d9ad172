#pragma once
// One mail transaction run on an io_context in the test (no sockets): a
// configuration in a temporary folder, the fake callout server and the fake
// delivery, and helpers that drive MAIL, RCPT, DATA and the final dot.

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fake_callout.hpp"
#include "fake_delivery.hpp"
#include "opes/processor/callout_pool_policy.hpp"
#include "opes/transaction/generated_message.hpp"
#include "opes/transaction/mail_transaction.hpp"

namespace opes::proxy::testing {

/// Runs `make()`'s coroutine to its end and returns what it returned.
template <class Result, class Make>
Result run(Make make) {
  boost::asio::io_context io;
  std::optional<Result> result;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, make(), [&](std::exception_ptr e, Result r) {
    failure = e;
    if (!e) result = std::move(r);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

inline void run_void(const std::function<boost::asio::awaitable<void>()>& make) {
  boost::asio::io_context io;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, make(), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

inline smtp::PathArgument path(std::string address,
                               std::vector<smtp::MailParameter> parameters = {}) {
  return smtp::PathArgument{std::move(address), std::move(parameters)};
}

/// A folder of its own under the system's temporary folder, removed at the end.
struct TemporaryFolder {
  std::filesystem::path path;
  TemporaryFolder() {
    std::random_device random;
    path = std::filesystem::temp_directory_path() /
           ("opes-transaction-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

inline ProxyConfig test_config(const std::filesystem::path& folder) {
  const std::string json = R"({
    "hostname": "gateway.test",
    "listeners": [{"port": 0}],
    "spool": "spool",
    "callout": {
      "servers": [{"address": "127.0.0.1"}],
      "service_groups": [{"name": "inbound", "services": [
        {"uri": "urn:opes-smtp:service:filter", "name": "filter"},
        {"uri": "urn:opes-smtp:service:stamp", "name": "stamp", "bypassable": true}]}]
    }
  })";
  auto config = parse_config(json, folder);
  REQUIRE(config.has_value());
  return std::move(*config);
}

/// What one run of the transaction answered, step by step.
struct Replies {
  ocp::smtp::Reply mail;
  std::vector<ocp::smtp::Reply> rcpt;
  std::optional<ocp::smtp::Reply> data;
  std::optional<ocp::smtp::Reply> end;
};

struct TransactionFixture {
  TemporaryFolder folder;
  ProxyConfig config = test_config(folder.path);
  FakeCalloutSource callout;
  processor::TraceEntries trace =
      *processor::TraceEntries::make({"http://gateway.test/opes", false, {}});
  ClientLimits client_limits{ClientLimitSettings{20, 10}};
  FakeDelivery delivery;
  TransactionIds ids{"SESSION00001"};
  TransactionContext context{config, callout, trace, client_limits};
  Origin origin = [] {
    Origin o;
    o.address = "127.0.0.1";
    o.port = 40000;
    o.peer = "127.0.0.1:40000";
    o.helo = "client.test";
    o.esmtp = true;
    return o;
  }();

  ServiceGroup& group() { return config.callout.service_groups.front(); }

  std::unique_ptr<MailTransaction> make() {
    return std::make_unique<MailTransaction>(context, origin, group(), delivery, ids);
  }

  /// MAIL, each RCPT, and (when a recipient was taken) DATA, `content` and
  /// the final dot, stopping where a reply ends the transaction.
  Replies send(const smtp::PathArgument& from, const std::vector<std::string>& to,
               const std::string& content) {
    auto transaction = make();
    Replies replies;
    run_void([&]() -> boost::asio::awaitable<void> {
      replies.mail = co_await transaction->mail(from);
      if (!transaction->open()) co_return;
      for (const std::string& recipient : to) {
        const smtp::PathArgument argument = path(recipient);
        replies.rcpt.push_back(co_await transaction->rcpt(argument));
      }
      replies.data = co_await transaction->data();
      if (replies.data->code != 354) {
        co_await transaction->end(false);
        co_return;
      }
      co_await transaction->content(content);
      const smtp::DataEnd end{std::nullopt, content.size()};
      replies.end = co_await transaction->data_end(end);
    });
    return replies;
  }

  /// The files in `directory`/new.
  static std::vector<std::string> stored(const std::filesystem::path& directory) {
    std::vector<std::string> texts;
    if (!std::filesystem::exists(directory / "new")) return texts;
    for (const auto& entry : std::filesystem::directory_iterator(directory / "new")) {
      std::ifstream in(entry.path(), std::ios::binary);
      texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return texts;
  }
};

inline const std::string kMessage = "Subject: hello\r\n\r\nThe body.\r\n";

}  // namespace opes::proxy::testing
