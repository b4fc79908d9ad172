// The hold delivery (hold_delivery.hpp) over the directory store: what a
// mail transaction hands it is held, split by domain, with the envelope,
// the DSN parameters and the origin in its records, and 250 only once the
// store committed.
#include <doctest/doctest.h>

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "opes/proxy/hold_delivery.hpp"
#include "opes/queue/directory_hold_store.hpp"

namespace opes::proxy {
namespace {

using namespace std::chrono_literals;

struct Queue {
  std::filesystem::path root;
  std::unique_ptr<queue::HoldStore> store;
  Queue() {
    static int counter = 0;
    root = std::filesystem::temp_directory_path() /
           ("opes-hold-delivery-" + std::to_string(getpid()) + "-" + std::to_string(++counter));
    queue::DirectoryStoreOptions options;
    options.root = root;
    auto opened = queue::open_directory_store(options);
    REQUIRE_MESSAGE(opened, opened.error());
    store = std::move(*opened);
  }
  ~Queue() {
    store.reset();
    std::filesystem::remove_all(root);
  }
};

smtp::PathArgument path_with(std::string path, std::vector<smtp::MailParameter> parameters = {}) {
  return smtp::PathArgument{std::move(path), std::move(parameters)};
}

struct Replies {
  Reply mail, first, second, end;
  bool data_refused = false;
};

/// One transaction through `delivery`, run to its end.
Replies hold_one(Delivery& delivery, std::string first, std::string second, std::string content) {
  asio::io_context context;
  Replies replies;
  asio::co_spawn(
      context,
      [&]() -> asio::awaitable<void> {
        queue::OriginFacts origin;
        origin.address = "192.0.2.7";
        origin.port = 1025;
        origin.peer = "192.0.2.7:1025";
        origin.helo = "client.example";
        origin.esmtp = true;
        origin.tls = true;
        origin.authenticated = "alice";
        delivery.set_origin(origin);
        delivery.set_client(smtp::ForwardedClient{"192.0.2.7", 1025, "client.example", true, "S1.1"});
        const auto sender = path_with("sender@example.net", {{"RET", "HDRS"}, {"ENVID", "QQ314159"}});
        replies.mail = co_await delivery.mail(sender);
        const auto one = path_with(first, {{"NOTIFY", "FAILURE"}});
        replies.first = co_await delivery.rcpt(one);
        const auto two = path_with(second);
        replies.second = co_await delivery.rcpt(two);
        if (auto refused = co_await delivery.begin_data()) {
          replies.data_refused = true;
          replies.end = *refused;
          co_return;
        }
        co_await delivery.write_data(content.substr(0, 7));
        co_await delivery.write_data(content.substr(7));
        replies.end = co_await delivery.end_data();
      },
      asio::detached);
  context.run_for(10s);
  return replies;
}

TEST_CASE("a held message gets 250 naming its entries, and its record keeps envelope, DSN and origin") {
  Queue queue;
  auto delivery = make_hold_delivery(*queue.store);
  const std::string content = "Subject: held\r\n\r\nfor the customer\r\n";
  Replies replies = hold_one(*delivery, "a@example.org", "b@example.org", content);
  CHECK(replies.mail.code == 250);
  CHECK(replies.first.code == 250);
  CHECK(replies.end.code == 250);
  CHECK(replies.end.text().find("held for ODMR as ") != std::string::npos);
  CHECK(delivery->describe() == queue.store->describe());

  const std::vector<std::string> domains{"example.org"};
  auto leased = queue.store->lease(domains, 10);
  REQUIRE(leased.size() == 1);
  const queue::HeldRecord& entry = leased.front();
  CHECK(entry.domain == "example.org");
  CHECK(entry.sender == "sender@example.net");
  CHECK(entry.sender_dsn == "RET=HDRS ENVID=QQ314159");
  REQUIRE(entry.recipients.size() == 2);
  CHECK(entry.recipients[0].address == "a@example.org");
  CHECK(entry.recipients[0].dsn == "NOTIFY=FAILURE");
  CHECK(entry.recipients[1].dsn.empty());
  CHECK(entry.origin.address == "192.0.2.7");
  CHECK(entry.origin.helo == "client.example");
  CHECK(entry.origin.tls);
  CHECK(entry.origin.authenticated == "alice");
  CHECK(entry.transaction == "S1.1");
  auto held = queue.store->content(entry);
  REQUIRE(held);
  CHECK(*held == content);
}

TEST_CASE("recipients in two customer domains are held as one entry per domain") {
  Queue queue;
  auto delivery = make_hold_delivery(*queue.store);
  Replies replies = hold_one(*delivery, "a@example.org", "b@example.com", "Subject: two\r\n\r\nx\r\n");
  REQUIRE(replies.end.code == 250);
  const std::vector<std::string> org{"example.org"};
  const std::vector<std::string> com{"example.com"};
  auto first = queue.store->lease(org, 10);
  auto second = queue.store->lease(com, 10);
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  CHECK(first.front().recipients.size() == 1);
  CHECK(first.front().recipients.front().address == "a@example.org");
  CHECK(second.front().recipients.front().address == "b@example.com");
  CHECK(first.front().id != second.front().id);
}

TEST_CASE("a recipient the store cannot hold makes DATA 451 and nothing is held") {
  Queue queue;
  auto delivery = make_hold_delivery(*queue.store);
  Replies replies = hold_one(*delivery, "a@example.org", "postmaster", "Subject: x\r\n\r\nx\r\n");
  CHECK(replies.data_refused);
  CHECK(replies.end.code == 451);
  const std::vector<std::string> org{"example.org"};
  CHECK_FALSE(queue.store->holds_mail(org));
}

}  // namespace
}  // namespace opes::proxy
