#include "opes/loadgen/load_stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace opes::loadgen {

namespace {

using Milliseconds = std::chrono::duration<double, std::milli>;

Milliseconds nearest_rank(const std::vector<std::chrono::steady_clock::duration>& sorted,
                          double percentile) {
  if (sorted.empty()) return {};
  const auto rank =
      static_cast<std::size_t>(std::ceil(percentile / 100.0 * static_cast<double>(sorted.size())));
  return std::chrono::duration_cast<Milliseconds>(
      sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]);
}

}  // namespace

void StatsCollector::succeeded(std::chrono::steady_clock::duration latency) {
  latencies_.push_back(latency);
}

void StatsCollector::failed(std::string description) {
  ++failed_;
  if (failures_.size() < LoadStats::kMaxReported) failures_.push_back(std::move(description));
}

void StatsCollector::connection_failed(std::string description) {
  ++connections_failed_;
  if (failures_.size() < LoadStats::kMaxReported) failures_.push_back(std::move(description));
}

LoadStats StatsCollector::finish(std::size_t connections, std::size_t planned,
                                 std::chrono::duration<double> elapsed) {
  LoadStats stats;
  stats.connections = connections;
  stats.transactions_planned = planned;
  stats.transactions_ok = latencies_.size();
  // Transactions that never started or never ended count as failed too.
  stats.transactions_failed = planned > stats.transactions_ok ? planned - stats.transactions_ok : 0;
  stats.transactions_failed = std::max(stats.transactions_failed, failed_);
  stats.connections_failed = connections_failed_;
  stats.elapsed = elapsed;
  stats.transactions_per_second =
      elapsed.count() > 0 ? static_cast<double>(stats.transactions_ok) / elapsed.count() : 0;
  std::sort(latencies_.begin(), latencies_.end());
  stats.latency_p50 = nearest_rank(latencies_, 50);
  stats.latency_p99 = nearest_rank(latencies_, 99);
  stats.failures = failures_;
  return stats;
}

std::string format_figures(const LoadStats& stats, std::size_t message_size) {
  char line[256];
  std::snprintf(line, sizeof line,
                "connections=%zu transactions=%zu size=%zu seconds=%.3f tx_per_s=%.0f p50_ms=%.3f "
                "p99_ms=%.3f failures=%zu",
                stats.connections, stats.transactions_planned, message_size, stats.elapsed.count(),
                stats.transactions_per_second, stats.latency_p50.count(), stats.latency_p99.count(),
                stats.transactions_failed);
  return line;
}

}  // namespace opes::loadgen
