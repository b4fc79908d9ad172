#pragma once
// The figures of one load run: how many transactions were checked good or
// bad, how long the run took, throughput, and latency percentiles.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace opes::loadgen {

struct LoadStats {
  std::size_t connections = 0;
  std::size_t transactions_planned = 0;
  std::size_t transactions_ok = 0;      // ended by the server and passed the check
  std::size_t transactions_failed = 0;  // everything else, including those never started
  std::size_t connections_failed = 0;   // not negotiated, or lost before their last transaction
  std::chrono::duration<double> elapsed{};
  double transactions_per_second = 0;
  std::chrono::duration<double, std::milli> latency_p50{};
  std::chrono::duration<double, std::milli> latency_p99{};
  /// The first failures, each described in one line (at most kMaxReported).
  std::vector<std::string> failures;

  static constexpr std::size_t kMaxReported = 20;

  bool all_ok() const {
    return transactions_failed == 0 && transactions_ok == transactions_planned;
  }
};

/// Collects latencies and failures while the load runs; thread-safe use is
/// the caller's (load_run.cpp guards it with a mutex).
class StatsCollector {
 public:
  void succeeded(std::chrono::steady_clock::duration latency);
  void failed(std::string description);
  void connection_failed(std::string description);

  /// Percentiles by nearest rank over the successful transactions.
  LoadStats finish(std::size_t connections, std::size_t planned,
                   std::chrono::duration<double> elapsed);

 private:
  std::vector<std::chrono::steady_clock::duration> latencies_;
  std::size_t failed_ = 0;
  std::size_t connections_failed_ = 0;
  std::vector<std::string> failures_;
};

/// `connections=64 transactions=6400 size=4096 seconds=1.234 tx_per_s=5186 p50_ms=0.91 p99_ms=3.2
/// failures=0`
std::string format_figures(const LoadStats& stats, std::size_t message_size);

}  // namespace opes::loadgen
