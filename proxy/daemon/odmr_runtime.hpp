#pragma once
// What ODMR (RFC 2645) keeps for the whole opes-proxy process, across
// reloads and threads: the hold queue's store, and when each customer last
// asked with ATRN (§5.2.1: a provider MAY refuse requests repeated within
// an interval, 450).

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ocp/expected.hpp"
#include "opes/proxy/config.hpp"
#include "opes/queue/hold_store.hpp"

namespace opes::proxy {

class AtrnIntervals {
 public:
  using Clock = std::chrono::steady_clock;
  /// Whether `customer` may ask now; when it may, now is remembered.
  bool admit(const std::string& customer, Clock::time_point now, std::chrono::seconds interval);

 private:
  std::mutex mutex_;
  std::map<std::string, Clock::time_point, std::less<>> last_;
};

struct OdmrRuntime {
  std::filesystem::path queue_path;  // as opened; a reload cannot move it
  std::unique_ptr<queue::HoldStore> store;
  AtrnIntervals intervals;
};

/// Opens the hold queue (recovering it; what recovery did is logged). The
/// error names the folder and the cause.
ocp::Expected<std::unique_ptr<OdmrRuntime>, std::string> open_odmr_runtime(const OdmrSettings& settings);

}  // namespace opes::proxy
