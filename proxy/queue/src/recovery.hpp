#pragma once
// The directory store's recovery at open (directory_hold_store.hpp): what a
// crash or a hand can leave in ROOT is tidied and logged, and the entries
// that remain are read back for the in-memory index.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/queue/held_record.hpp"

namespace opes::queue {

struct RecoveryOptions {
  std::filesystem::path root;
  RecordLimits record_limits;
  bool sync = true;
  std::function<void(std::string_view event, std::string_view detail)> log;
};

/// ROOT/tmp, ROOT/held and ROOT/damaged exist (made by the caller). The
/// error names the path and the cause (a folder that cannot be read).
ocp::Expected<std::vector<HeldRecord>, std::string> recover(const RecoveryOptions& options);

}  // namespace opes::queue
