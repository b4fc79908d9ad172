// The hold queue's durable enqueue rate, as the gateway drives it: N
// sessions (threads) each enqueue a message, wait for its commit (the 250
// waits for it), and go on, for a few seconds. Prints messages/s, commit
// latency and the CPU time a message costs (getrusage), for one sync method
// or all of them. The folder should be on the filesystem the queue would
// use (the default is under the temporary directory).
//
// usage: hold_store_bench [--method syncfs|fdatasync_each|fdatasync_parallel|none|all]
//                         [--threads 20] [--seconds 5] [--size 4096] [--domains 4] [--dir PATH]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "opes/queue/directory_hold_store.hpp"

namespace {

using namespace opes::queue;
using Steady = std::chrono::steady_clock;

struct Settings {
  std::string method = "all";
  unsigned threads = 20;
  double seconds = 5;
  std::size_t size = 4096;
  unsigned domains = 4;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
};

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// Waits for one commit's callback (the session's 250).
class Waiter {
 public:
  void done(bool ok) {
    const std::lock_guard lock(mutex_);
    ok_ = ok;
    finished_ = true;
    ready_.notify_one();
  }
  bool wait() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return finished_; });
    finished_ = false;
    return ok_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  bool finished_ = false;
  bool ok_ = false;
};

int run(const Settings& settings, const std::string& method) {
  // Each method starts alike, after the files the previous one removed have
  // been written back and have aged: ext4 without a journal (as here) skips
  // inodes deleted less than 5 s ago (300 s while their inode table block is
  // dirty) when it allocates one, one by one, which costs milliseconds a
  // file after thousands were removed (fs/ext4/ialloc.c recently_deleted).
  ::sync();
  std::this_thread::sleep_for(std::chrono::seconds(6));
  DirectoryStoreOptions options;
  options.root = settings.dir / ("hold-store-bench." + std::to_string(::getpid()) + "." + method);
  options.fsync = method != "none";
  if (method == "fdatasync_each") options.sync_method = SyncMethod::fdatasync_each;
  if (method == "fdatasync_parallel") options.sync_method = SyncMethod::fdatasync_parallel;
  auto store = open_directory_store(options);
  if (!store) {
    std::fprintf(stderr, "hold_store_bench: %s\n", store.error().c_str());
    return 1;
  }
  const std::string content(settings.size, 'x');
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> failures{0};
  std::vector<std::vector<double>> latencies(settings.threads);
  const double cpu_before = cpu_seconds();
  const auto start = Steady::now();
  std::vector<std::thread> sessions;
  for (unsigned t = 0; t < settings.threads; ++t) {
    sessions.emplace_back([&, t] {
      Waiter waiter;
      while (!stop) {
        HeldMessage message;
        message.sender = "sender@example.org";
        message.recipients = {{"user" + std::to_string(t) + "@d" + std::to_string(t % settings.domains) + ".example", ""}};
        message.transaction = "BENCH." + std::to_string(t);
        const auto begun = Steady::now();
        auto writer = (*store)->begin(std::move(message));
        if (!writer || !(*writer)->write(content)) {
          ++failures;
          return;
        }
        (*writer)->commit([&waiter](EnqueueResult result) { waiter.done(result.has_value()); });
        writer->reset();
        if (!waiter.wait()) ++failures;
        latencies[t].push_back(std::chrono::duration<double, std::milli>(Steady::now() - begun).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(settings.seconds));
  stop = true;
  for (auto& session : sessions) session.join();
  const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  const double cpu = cpu_seconds() - cpu_before;

  std::vector<double> all;
  for (const auto& per_thread : latencies) all.insert(all.end(), per_thread.begin(), per_thread.end());
  std::sort(all.begin(), all.end());
  const auto percentile = [&](double p) { return all.empty() ? 0.0 : all[static_cast<std::size_t>(p * (all.size() - 1))]; };
  std::printf("%-19s %8zu msgs %9.0f msgs/s  latency p50 %6.2f ms p99 %7.2f ms  cpu %6.1f us/msg  failures %zu\n",
              method.c_str(), all.size(), all.size() / elapsed, percentile(0.5), percentile(0.99),
              all.empty() ? 0.0 : cpu * 1e6 / all.size(), failures.load());
  store->reset();
  std::error_code ignored;
  std::filesystem::remove_all(options.root, ignored);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    const std::string value = argv[i + 1];
    if (option == "--method") settings.method = value;
    else if (option == "--threads") settings.threads = static_cast<unsigned>(std::stoul(value));
    else if (option == "--seconds") settings.seconds = std::stod(value);
    else if (option == "--size") settings.size = std::stoul(value);
    else if (option == "--domains") settings.domains = std::max(1u, static_cast<unsigned>(std::stoul(value)));
    else if (option == "--dir") settings.dir = value;
    else {
      std::fprintf(stderr, "hold_store_bench: unknown option %s\n", option.c_str());
      return 2;
    }
  }
  std::printf("%u sessions, %zu octets a message, %u domains, %.1f s a method, in %s\n", settings.threads,
              settings.size, settings.domains, settings.seconds, settings.dir.c_str());
  std::vector<std::string> methods{settings.method};
  if (settings.method == "all") methods = {"syncfs", "fdatasync_each", "fdatasync_parallel", "none"};
  int status = 0;
  for (const auto& method : methods) status |= run(settings, method);
  return status;
}
