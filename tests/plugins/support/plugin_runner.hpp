#pragma once
// Helpers for the plugin tests: load a built plugin through the host, run a
// transaction from a list of parts, and keep temporary files.

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "opes/plugin_host/plugin.hpp"

namespace plugin_test {

using namespace opes::plugin_host;

inline Plugin load(const char* file) {
  auto plugin = Plugin::load(file);
  REQUIRE_MESSAGE(plugin.has_value(), (plugin ? std::string() : plugin.error().message));
  return std::move(*plugin);
}

// Plugin log lines, kept instead of written to standard error.
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;

  LogSink sink() {
    return [this](LogLevel, std::string_view, std::string_view text) {
      const std::lock_guard lock(mutex);
      lines.emplace_back(text);
    };
  }
};

inline InstanceOptions quiet_options(TransactionLimits limits = {}) {
  InstanceOptions options;
  options.limits = limits;
  options.log = [](LogLevel, std::string_view, std::string_view) {};
  return options;
}

inline ServiceInstance instantiate(const char* file, std::string_view service,
                                   std::string_view config,
                                   InstanceOptions options = quiet_options()) {
  auto instance = load(file).instantiate(service, config, std::move(options));
  REQUIRE_MESSAGE(instance.has_value(), (instance ? std::string() : instance.error().message));
  return std::move(*instance);
}

inline Error config_error(const char* file, std::string_view service, std::string_view config) {
  auto instance = load(file).instantiate(service, config, quiet_options());
  REQUIRE_FALSE(instance.has_value());
  return instance.error();
}

struct PartInput {
  std::string name;
  std::vector<std::string> chunks;
};

inline PartInput part(std::string name, std::string content) {
  return {std::move(name), {std::move(content)}};
}

inline std::vector<std::string> chunked(std::string_view text, std::size_t size) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); i += size) out.emplace_back(text.substr(i, size));
  if (out.empty()) out.emplace_back();
  return out;
}

// Feeds every part and ends the message; the result whatever happened.
inline TransactionResult run(const ServiceInstance& instance, const std::vector<PartInput>& parts,
                             const Metadata& metadata = {}) {
  auto tx = instance.begin(metadata);
  REQUIRE_MESSAGE(tx.has_value(), (tx ? std::string() : tx.error().message));
  for (const PartInput& p : parts) {
    for (std::size_t i = 0; i < p.chunks.size(); ++i) {
      if (!tx->feed(p.name, p.chunks[i], i + 1 == p.chunks.size())) return tx->result();
    }
  }
  return tx->end_of_message();
}

// The only verdict of a completed single-adaptive-part transaction.
inline PartVerdict only_verdict(const TransactionResult& result) {
  REQUIRE_MESSAGE(result.outcome == Outcome::Completed, result.failure);
  REQUIRE(result.verdicts.size() == 1);
  return result.verdicts.front();
}

class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("opes-plugin-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::ofstream(path_, std::ios::binary) << content;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace plugin_test
