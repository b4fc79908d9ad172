#include "opes/queue/directory_hold_store.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "queue_test_support.hpp"

using namespace opes::queue;
using namespace queue_test;

namespace {

const std::string content = "Subject: hello\r\n\r\nbody line\r\n.. dot-stuffing already undone\r\n";

}  // namespace

TEST_CASE(
    "an enqueued message is leased, read byte for byte, acknowledged and gone after reopening") {
  TemporaryFolder folder;
  HeldRecord leased;
  {
    auto store = open_store(folder.path(), true);
    REQUIRE(store);
    auto ids = enqueue(*store, message_to({"user@customer.example"}), content);
    REQUIRE(ids);
    REQUIRE(ids->size() == 1);
    CHECK(store->holds_mail({"customer.example"}));
    auto entries = store->lease({"customer.example"}, 10);
    REQUIRE(entries.size() == 1);
    leased = entries[0];
    CHECK(leased.id == (*ids)[0]);
    CHECK(leased.domain == "customer.example");
    CHECK(leased.sender == "sender@example.org");
    CHECK(leased.sender_dsn == "RET=HDRS ENVID=abc");
    CHECK(leased.origin.helo == "client.example.org");
    CHECK(leased.received == Clock::time_point(std::chrono::seconds(1700000000)));
    CHECK(store->stats().leased == 1);
    auto body = store->content(leased);
    REQUIRE(body);
    CHECK(*body == content);
    REQUIRE(store->acknowledge(leased));
    CHECK_FALSE(store->holds_mail({"customer.example"}));
    CHECK(store->stats().entries == 0);
  }
  auto reopened = open_store(folder.path());
  REQUIRE(reopened);
  CHECK(reopened->stats().entries == 0);
  CHECK(reopened->lease({"customer.example"}, 10).empty());
  CHECK_FALSE(reopened->content(leased));
}

TEST_CASE("an entry survives closing the store and is leased after reopening") {
  TemporaryFolder folder;
  {
    auto store = open_store(folder.path(), true);
    REQUIRE(enqueue(*store, message_to({"user@customer.example"}), content));
  }
  auto store = open_store(folder.path());
  auto entries = store->lease({"customer.example"}, 10);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].recipients[0].address == "user@customer.example");
  CHECK(*store->content(entries[0]) == content);
  CHECK(store->describe() == "hold queue " + folder.path().string());
}

TEST_CASE("recipients are split by domain into entries sharing one content") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  auto ids = enqueue(*store, message_to({"a@one.example", "b@Two.Example", "\"x@y\"@one.example"}),
                     content);
  REQUIRE(ids);
  REQUIRE(ids->size() == 2);
  CHECK((*ids)[0] != (*ids)[1]);
  auto one = store->lease({"one.example"}, 10);
  REQUIRE(one.size() == 1);
  REQUIRE(one[0].recipients.size() == 2);
  CHECK(one[0].recipients[0].address == "a@one.example");
  CHECK(one[0].recipients[1].address == "\"x@y\"@one.example");
  auto two = store->lease({"two.example"}, 10);
  REQUIRE(two.size() == 1);
  CHECK(two[0].domain == "two.example");
  REQUIRE(two[0].recipients.size() == 1);
  CHECK(*store->content(one[0]) == content);
  CHECK(*store->content(two[0]) == content);
  // Acknowledging one domain's entry leaves the other's content whole.
  REQUIRE(store->acknowledge(one[0]));
  CHECK(*store->content(two[0]) == content);
  CHECK(files_in(folder.path() / "tmp") == 0);
}

TEST_CASE("begin refuses a recipient without a domain and an unsafe domain") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  CHECK(store->begin(message_to({"postmaster"})).error() == "recipient postmaster has no domain");
  for (const char* address : {"a@", "a@x/y", "a@..", "a@.hidden", "a@x..y", "a@[192.0.2.1]"})
    CHECK_FALSE(store->begin(message_to({address})));
  CHECK_FALSE(store->begin(message_to({})));
  HeldMessage message = message_to({"a@customer.example"});
  message.sender = "a@b\r\nRecipient: c@d";
  CHECK_FALSE(store->begin(std::move(message)));
  CHECK(files_in(folder.path() / "tmp") == 0);
}

TEST_CASE("a leased entry is given to no second lease until released") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  REQUIRE(enqueue(*store, message_to({"a@customer.example"}), content));
  auto first = store->lease({"customer.example"}, 10);
  REQUIRE(first.size() == 1);
  CHECK(store->lease({"customer.example"}, 10).empty());
  CHECK(store->lease_received_before(Clock::now(), 10, false).empty());
  CHECK(store->holds_mail({"customer.example"}));
  REQUIRE(store->release(first[0], false));
  CHECK(store->stats().leased == 0);
  auto second = store->lease({"customer.example"}, 10);
  REQUIRE(second.size() == 1);
  CHECK(second[0].attempts == 0);
}

TEST_CASE("lease takes the oldest entries first, at most max") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    HeldMessage message = message_to({"a@customer.example"});
    message.received = Clock::time_point(std::chrono::seconds(1700000000 - i));
    ids.push_back((*enqueue(*store, std::move(message), content))[0]);
  }
  auto two = store->lease({"customer.example"}, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].id == ids[2]);
  CHECK(two[1].id == ids[1]);
  CHECK(store->lease({"customer.example", "other.example"}, 5).size() == 1);
}

TEST_CASE("acknowledge and release refuse an entry that is not leased") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  REQUIRE(enqueue(*store, message_to({"a@customer.example"}), content));
  auto entry = store->lease({"customer.example"}, 1).at(0);
  REQUIRE(store->release(entry, false));
  CHECK_FALSE(store->acknowledge(entry));
  CHECK_FALSE(store->release(entry, true));
  HeldRecord unknown = entry;
  unknown.id = "nothing";
  CHECK_FALSE(store->content(unknown));
}

TEST_CASE("release deferred counts an attempt durably, across a reopening") {
  TemporaryFolder folder;
  {
    auto store = open_store(folder.path(), true);
    REQUIRE(enqueue(*store, message_to({"a@customer.example"}), content));
    auto entry = store->lease({"customer.example"}, 1).at(0);
    REQUIRE(store->release(entry, true));
    entry = store->lease({"customer.example"}, 1).at(0);
    CHECK(entry.attempts == 1);
    REQUIRE(store->release(entry, true));
    CHECK(files_in(folder.path() / "tmp") == 0);
  }
  auto store = open_store(folder.path());
  auto entry = store->lease({"customer.example"}, 1).at(0);
  CHECK(entry.attempts == 2);
  CHECK_FALSE(entry.delay_warned);
  CHECK(*store->content(entry) == content);
}

TEST_CASE("release with fewer recipients keeps only those, durably, and refuses a stranger") {
  TemporaryFolder folder;
  {
    auto store = open_store(folder.path(), true);
    REQUIRE(enqueue(*store, message_to({"a@customer.example", "b@customer.example"}), content));
    auto entry = store->lease({"customer.example"}, 1).at(0);
    REQUIRE(entry.recipients.size() == 2);
    auto stranger = entry;
    stranger.recipients = {{"c@customer.example", ""}};
    CHECK_FALSE(store->release(stranger, true));
    entry = store->lease({"customer.example"}, 1).at(0);
    entry.recipients.erase(entry.recipients.begin());  // a@ was delivered
    REQUIRE(store->release(entry, true));
  }
  auto store = open_store(folder.path());
  auto entry = store->lease({"customer.example"}, 1).at(0);
  REQUIRE(entry.recipients.size() == 1);
  CHECK(entry.recipients.front().address == "b@customer.example");
  CHECK(entry.attempts == 1);
}

TEST_CASE("release with delay_warned sets the flag durably") {
  TemporaryFolder folder;
  {
    auto store = open_store(folder.path(), true);
    REQUIRE(enqueue(*store, message_to({"a@customer.example"}), content));
    auto entry = store->lease({"customer.example"}, 1).at(0);
    REQUIRE(store->release(entry, false, true));
  }
  auto store = open_store(folder.path());
  auto entry = store->lease({"customer.example"}, 1).at(0);
  CHECK(entry.delay_warned);
  CHECK(entry.attempts == 0);
}

TEST_CASE("lease_received_before takes the old entries, and with unwarned_only the unwarned ones") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  const auto base = Clock::time_point(std::chrono::seconds(1700000000));
  for (int age : {300, 200, 100}) {
    HeldMessage message = message_to({"a@d" + std::to_string(age) + ".example"});
    message.received = base - std::chrono::seconds(age);
    REQUIRE(enqueue(*store, std::move(message), content));
  }
  // The oldest is warned already.
  auto oldest = store->lease({"d300.example"}, 1).at(0);
  REQUIRE(store->release(oldest, false, true));

  auto unwarned = store->lease_received_before(base - std::chrono::seconds(150), 10, true);
  REQUIRE(unwarned.size() == 1);
  CHECK(unwarned[0].domain == "d200.example");
  REQUIRE(store->release(unwarned[0], false));

  auto expired = store->lease_received_before(base - std::chrono::seconds(150), 10, false);
  REQUIRE(expired.size() == 2);
  CHECK(expired[0].domain == "d300.example");
  CHECK(expired[1].domain == "d200.example");
  CHECK(store->lease_received_before(base, 10, false).size() == 1);
  CHECK(store->lease_received_before(base, 10, false).empty());
}

TEST_CASE("holds_mail answers for any of the domains, leased entries included") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  CHECK_FALSE(store->holds_mail({"customer.example"}));
  REQUIRE(enqueue(*store, message_to({"a@customer.example"}), content));
  CHECK(store->holds_mail({"other.example", "customer.example"}));
  CHECK_FALSE(store->holds_mail({"other.example"}));
  CHECK_FALSE(store->holds_mail({}));
  auto entry = store->lease({"customer.example"}, 1).at(0);
  CHECK(store->holds_mail({"customer.example"}));
  REQUIRE(store->acknowledge(entry));
  CHECK_FALSE(store->holds_mail({"customer.example"}));
}

TEST_CASE("concurrent commits from several threads all get their callback with distinct ids") {
  for (const auto method :
       {SyncMethod::syncfs, SyncMethod::fdatasync_each, SyncMethod::fdatasync_parallel}) {
    TemporaryFolder folder;
    DirectoryStoreOptions options;
    options.root = folder.path();
    options.sync_method = method;
    auto store = std::move(*open_directory_store(options));
    std::mutex mutex;
    std::set<std::string> ids;
    std::size_t failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 10; ++i) {
          auto result =
              enqueue(*store, message_to({"a@d" + std::to_string(t % 3) + ".example"}), content);
          const std::lock_guard lock(mutex);
          if (!result)
            ++failures;
          else
            ids.insert(result->begin(), result->end());
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
    CHECK(ids.size() == 60);
    CHECK(store->stats().entries == 60);
    CHECK(files_in(folder.path() / "tmp") == 0);
  }
}

TEST_CASE("the destructor finishes the pending commits and calls their callbacks") {
  TemporaryFolder folder;
  std::atomic<int> succeeded{0};
  {
    auto store = open_store(folder.path(), true);
    for (int i = 0; i < 20; ++i) {
      auto writer = store->begin(message_to({"a@customer.example"}));
      REQUIRE(writer);
      REQUIRE((*writer)->write(content));
      (*writer)->commit([&succeeded](EnqueueResult result) {
        if (result) ++succeeded;
      });
    }
  }
  CHECK(succeeded == 20);
  CHECK(open_store(folder.path())->stats().entries == 20);
}

TEST_CASE("a writer destroyed uncommitted leaves nothing behind") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  {
    auto writer = store->begin(message_to({"a@customer.example"}));
    REQUIRE(writer);
    REQUIRE((*writer)->write(content));
    CHECK(files_in(folder.path() / "tmp") == 1);
  }
  CHECK(files_in(folder.path() / "tmp") == 0);
  CHECK(store->stats().entries == 0);
}

TEST_CASE("a content over max_content is refused and its commit fails") {
  TemporaryFolder folder;
  DirectoryStoreOptions options;
  options.root = folder.path();
  options.fsync = false;
  options.max_content = 10;
  auto store = std::move(*open_directory_store(options));
  auto result = enqueue(*store, message_to({"a@customer.example"}), "12345678901");
  REQUIRE_FALSE(result);
  CHECK(result.error() == "the message is over 10 octets");
  CHECK(files_in(folder.path() / "tmp") == 0);
  CHECK(store->stats().entries == 0);
  CHECK(enqueue(*store, message_to({"a@customer.example"}), "1234567890"));
}

TEST_CASE("a second store on the same folder is refused while the first is open") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  REQUIRE(store);
  DirectoryStoreOptions options;
  options.root = folder.path();
  auto second = open_directory_store(options);
  REQUIRE_FALSE(second);
  CHECK(second.error().find("cannot lock") != std::string::npos);
  store.reset();
  CHECK(open_directory_store(options));
}

TEST_CASE("entry ids are short, of safe characters, and sort by enqueue time") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  auto first = enqueue(*store, message_to({"a@customer.example", "b@other.example"}), content);
  auto second = enqueue(*store, message_to({"a@customer.example"}), content);
  REQUIRE(first);
  REQUIRE(second);
  for (const auto& id : {(*first)[0], (*first)[1], (*second)[0]}) {
    CHECK(id.size() <= 64);
    CHECK(
        id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
        std::string::npos);
  }
  CHECK((*first)[0] < (*second)[0]);
}

TEST_CASE("a commit that cannot place its files fails, is logged and leaves nothing in tmp") {
  TemporaryFolder folder;
  std::filesystem::create_directories(folder.path() / "held");
  // A file where the domain's folder should be.
  write_file(folder.path() / "held" / "blocked.example", "");
  std::vector<std::string> events;
  std::mutex mutex;
  DirectoryStoreOptions options;
  options.root = folder.path();
  options.log = [&](std::string_view event, std::string_view) {
    const std::lock_guard lock(mutex);
    events.emplace_back(event);
  };
  auto store = std::move(*open_directory_store(options));
  auto result = enqueue(*store, message_to({"a@blocked.example"}), content);
  REQUIRE_FALSE(result);
  CHECK(result.error().find("cannot place") == 0);
  CHECK(files_in(folder.path() / "tmp") == 0);
  CHECK(store->stats().entries == 0);
  const std::lock_guard lock(mutex);
  CHECK(std::count(events.begin(), events.end(), "commit-failed") == 1);
  CHECK(std::count(events.begin(), events.end(), "unknown-file") == 1);
}

TEST_CASE("a writer refuses to write after its commit and to commit twice") {
  TemporaryFolder folder;
  auto store = open_store(folder.path());
  auto writer = std::move(*store->begin(message_to({"a@customer.example"})));
  REQUIRE(writer->write(content));
  std::promise<EnqueueResult> first;
  writer->commit([&first](EnqueueResult result) { first.set_value(std::move(result)); });
  CHECK_FALSE(writer->write("more"));
  std::optional<EnqueueResult> second;
  writer->commit([&second](EnqueueResult result) { second = std::move(result); });
  REQUIRE(second);
  CHECK_FALSE(*second);
  CHECK(first.get_future().get());
}
