#pragma once
// The hold queue as a directory (the embedded default store):
//
//   ROOT/tmp/                 files being written
//   ROOT/held/DOMAIN/ID.eml   the content of one entry
//   ROOT/held/DOMAIN/ID.rec   its record (held_record.hpp); written last,
//                             removed first: the entry exists while it does
//
// Enqueue: the content and one record per domain are written in tmp/,
// fsync'd, renamed into held/DOMAIN/ (the content hard-linked into each
// domain of a split message), and each of those folders fsync'd (the
// maildir discipline of DurableFile). The fsyncs of every message committing
// at the same moment are made together on one committer thread (group
// commit), so concurrent sessions share them instead of waiting in series.
// Opening the store recovers it: leftovers in tmp/, a content without its
// record, a record without its content (never acknowledged to a client:
// their folder was not yet synced) are removed and logged; unreadable
// records are moved aside to ROOT/damaged/ and logged, never lost.

#include <filesystem>
#include <memory>
#include <string>

#include "ocp/expected.hpp"
#include "opes/queue/hold_store.hpp"

namespace opes::queue {

struct DirectoryStoreOptions {
  std::filesystem::path root;
  RecordLimits record_limits;
  /// false only in tests that want to see the effect of no fsync at all.
  bool fsync = true;
};

/// Creates the folders when missing, recovers, and starts the committer
/// thread (stopped by the destructor after the pending commits finished).
/// The error names the path and the cause.
ocp::Expected<std::unique_ptr<HoldStore>, std::string> open_directory_store(DirectoryStoreOptions options);

}  // namespace opes::queue
