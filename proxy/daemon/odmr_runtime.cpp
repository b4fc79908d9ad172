#include "odmr_runtime.hpp"

#include "opes/queue/directory_hold_store.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy {

using support::log;
using support::LogLevel;

bool AtrnIntervals::admit(const std::string& customer, Clock::time_point now, std::chrono::seconds interval) {
  std::lock_guard lock(mutex_);
  auto [slot, first] = last_.try_emplace(customer, now);
  if (first) return true;
  if (now - slot->second < interval) return false;
  slot->second = now;
  return true;
}

ocp::Expected<std::unique_ptr<OdmrRuntime>, std::string> open_odmr_runtime(const OdmrSettings& settings) {
  queue::DirectoryStoreOptions options;
  options.root = settings.queue;
  options.log = [](std::string_view event, std::string_view detail) {
    // "recovered" is the summary at every start; the rest are repairs.
    const LogLevel level = event == "recovered"       ? LogLevel::info
                           : event == "commit-failed" ? LogLevel::error
                                                      : LogLevel::warning;
    const std::string name = "odmr.queue_" + std::string(event);
    log(level, name, {{"detail", std::string(detail)}});
  };
  auto store = queue::open_directory_store(std::move(options));
  if (!store) return ocp::unexpected(store.error());
  auto runtime = std::make_unique<OdmrRuntime>();
  runtime->queue_path = settings.queue;
  runtime->store = std::move(*store);
  const queue::StoreStats stats = runtime->store->stats();
  log(LogLevel::info, "odmr.queue_opened",
      {{"queue", settings.queue.string()}, {"entries", std::to_string(stats.entries)}});
  return runtime;
}

}  // namespace opes::proxy
