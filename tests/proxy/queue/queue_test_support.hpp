#pragma once
// Shared by the queue's tests: a unique folder under the temporary
// directory (removed at the end), a message to hold, and an enqueue that
// waits for its commit.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "opes/queue/directory_hold_store.hpp"

namespace queue_test {

using namespace opes::queue;

class TemporaryFolder {
 public:
  TemporaryFolder() {
    static std::atomic<unsigned> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("opes-queue-test." + std::to_string(::getpid()) + "." + std::to_string(now) + "." +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline HeldMessage message_to(std::vector<std::string> recipients) {
  HeldMessage message;
  message.sender = "sender@example.org";
  message.sender_dsn = "RET=HDRS ENVID=abc";
  for (auto& address : recipients) message.recipients.push_back({std::move(address), ""});
  message.origin.address = "192.0.2.7";
  message.origin.port = 1025;
  message.origin.peer = "192.0.2.7:1025";
  message.origin.helo = "client.example.org";
  message.origin.esmtp = true;
  message.transaction = "S1.1";
  message.received = Clock::time_point(std::chrono::seconds(1700000000));
  return message;
}

/// begin, write, commit, and wait for the callback.
inline EnqueueResult enqueue(HoldStore& store, HeldMessage message, std::string_view content) {
  auto writer = store.begin(std::move(message));
  if (!writer) return ocp::unexpected(writer.error());
  if (auto written = (*writer)->write(content); !written) return ocp::unexpected(written.error());
  std::promise<EnqueueResult> promise;
  auto future = promise.get_future();
  (*writer)->commit([&promise](EnqueueResult result) { promise.set_value(std::move(result)); });
  writer->reset();
  return future.get();
}

inline std::unique_ptr<HoldStore> open_store(const std::filesystem::path& root, bool fsync = false) {
  DirectoryStoreOptions options;
  options.root = root;
  options.fsync = fsync;
  auto store = open_directory_store(std::move(options));
  if (!store) return nullptr;
  return std::move(*store);
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::size_t files_in(const std::filesystem::path& folder) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& item : std::filesystem::directory_iterator(folder)) ++count;
  return count;
}

}  // namespace queue_test
