// Recovery at open, on damage made by hand on disk
// (directory_hold_store.hpp's rules).
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "queue_test_support.hpp"

using namespace opes::queue;
using namespace queue_test;

namespace {

struct Logged {
  std::vector<std::pair<std::string, std::string>> events;
  std::size_t count(std::string_view event) const {
    std::size_t n = 0;
    for (const auto& [name, detail] : events) n += name == event;
    return n;
  }
  std::string detail(std::string_view event) const {
    for (const auto& [name, detail] : events)
      if (name == event) return detail;
    return {};
  }
};

std::unique_ptr<HoldStore> open_logged(const std::filesystem::path& root, Logged& logged) {
  DirectoryStoreOptions options;
  options.root = root;
  options.fsync = false;
  options.log = [&logged](std::string_view event, std::string_view detail) {
    logged.events.emplace_back(std::string(event), std::string(detail));
  };
  auto store = open_directory_store(std::move(options));
  REQUIRE(store);
  return std::move(*store);
}

/// One good entry in customer.example; its id.
std::string held_entry(const std::filesystem::path& root) {
  auto store = open_store(root);
  return (*enqueue(*store, message_to({"a@customer.example"}), "content\r\n"))[0];
}

}  // namespace

TEST_CASE("recovery keeps good entries and logs a summary") {
  TemporaryFolder folder;
  held_entry(folder.path());
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(store->stats().entries == 1);
  CHECK(logged.count("recovered") == 1);
  CHECK(logged.detail("recovered").find("1 entries in 1 domains; 0 tmp files removed") == 0);
}

TEST_CASE("recovery removes the leftovers in tmp") {
  TemporaryFolder folder;
  held_entry(folder.path());
  write_file(folder.path() / "tmp" / "123.eml", "half a message");
  write_file(folder.path() / "tmp" / "123.1.rec", "Version: 1\n");
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(files_in(folder.path() / "tmp") == 0);
  CHECK(logged.count("tmp-removed") == 2);
  CHECK(store->stats().entries == 1);
}

TEST_CASE("recovery removes a content without its record") {
  TemporaryFolder folder;
  const std::string id = held_entry(folder.path());
  const auto domain = folder.path() / "held" / "customer.example";
  std::filesystem::remove(domain / (id + ".rec"));
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(files_in(domain) == 0);
  CHECK(logged.count("content-without-record") == 1);
  CHECK(store->stats().entries == 0);
}

TEST_CASE("recovery removes a record without its content") {
  TemporaryFolder folder;
  const std::string id = held_entry(folder.path());
  const auto domain = folder.path() / "held" / "customer.example";
  std::filesystem::remove(domain / (id + ".eml"));
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(files_in(domain) == 0);
  CHECK(logged.count("record-without-content") == 1);
  CHECK_FALSE(store->holds_mail({"customer.example"}));
}

TEST_CASE("recovery moves an unreadable record and its content to damaged, naming the line") {
  TemporaryFolder folder;
  const std::string id = held_entry(folder.path());
  const auto domain = folder.path() / "held" / "customer.example";
  std::string record = read_file(domain / (id + ".rec"));
  record.replace(record.find("Attempts: 0"), 11, "Attempts: x");
  write_file(domain / (id + ".rec"), record);
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(store->stats().entries == 0);
  CHECK(files_in(domain) == 0);
  const auto damaged = folder.path() / "damaged";
  CHECK(read_file(damaged / ("customer.example." + id + ".eml")) == "content\r\n");
  CHECK(read_file(damaged / ("customer.example." + id + ".rec")) == record);
  CHECK(logged.count("damaged") == 1);
  CHECK(logged.detail("damaged").find("line 8: Attempts is not a count") != std::string::npos);
}

TEST_CASE("recovery moves aside a record whose Id is not its file's name") {
  TemporaryFolder folder;
  const std::string id = held_entry(folder.path());
  const auto domain = folder.path() / "held" / "customer.example";
  std::filesystem::rename(domain / (id + ".rec"), domain / "other.rec");
  std::filesystem::rename(domain / (id + ".eml"), domain / "other.eml");
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(store->stats().entries == 0);
  CHECK(files_in(folder.path() / "damaged") == 2);
  CHECK(logged.detail("damaged").find("its Id or Domain") != std::string::npos);
}

TEST_CASE("recovery moves an empty record aside, and never over an earlier damaged file") {
  TemporaryFolder folder;
  const auto domain = folder.path() / "held" / "customer.example";
  std::filesystem::create_directories(domain);
  std::filesystem::create_directories(folder.path() / "damaged");
  write_file(domain / "x.rec", "");
  write_file(domain / "x.eml", "new");
  write_file(folder.path() / "damaged" / "customer.example.x.eml", "old");
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(read_file(folder.path() / "damaged" / "customer.example.x.eml") == "old");
  CHECK(read_file(folder.path() / "damaged" / "customer.example.x.eml.1") == "new");
  CHECK(logged.detail("damaged").find("empty record") != std::string::npos);
}

TEST_CASE("recovery leaves unknown files alone and logs them") {
  TemporaryFolder folder;
  held_entry(folder.path());
  write_file(folder.path() / "held" / "README", "hands off");
  write_file(folder.path() / "held" / "customer.example" / "notes.txt", "mine");
  Logged logged;
  auto store = open_logged(folder.path(), logged);
  CHECK(logged.count("unknown-file") == 2);
  CHECK(store->stats().entries == 1);
  CHECK(read_file(folder.path() / "held" / "README") == "hands off");
}
