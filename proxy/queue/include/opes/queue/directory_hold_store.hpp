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
// maildir discipline of DurableFile; or the filesystem synced, see
// SyncMethod). The fsyncs of every message committing
// at the same moment are made together on one committer thread (group
// commit), so concurrent sessions share them instead of waiting in series.
// Opening the store recovers it: leftovers in tmp/, a content without its
// record, a record without its content (never acknowledged to a client:
// their folder was not yet synced) are removed and logged; unreadable
// records are moved aside to ROOT/damaged/ and logged, never lost.
//
// Ids: a message's id is 16 digits of microseconds since the epoch, a
// per-process counter and the pid ("1700000000123456.000042.815"); its entry
// in the n-th domain is that id and ".n": unique across the store, and
// sorting by the enqueue's time. lease() and lease_received_before() give
// the oldest first (by `received`, then by id). acknowledge() and release()
// take only an entry that is leased (the caller's lease); content() any
// held entry. The index is in memory, rebuilt by recovery, shared by the
// daemon's threads under one mutex; the file operations of acknowledge()
// and release() run outside it.
//
// The default sync method is syncfs (SyncMethod), measured with
// bench/hold_store_bench.cpp: 20 sessions each waiting for its 4 KiB
// message's commit, 4 domains, 5 s a method, on this project's 2-core
// machine (ext4 without a journal, shared with builds), several runs:
//   syncfs              1,900-5,800 messages/s, 130-165 us of CPU a message
//                       (and 410/s, 2,200 us in one run at load 9)
//   fdatasync_parallel    430-2,600 messages/s, 235-2,200 us
//   fdatasync_each        110-2,350 messages/s, 220-1,200 us
//   no sync at all        370-13,600 messages/s
// The spread is the machine's: without a journal, ext4 skips inodes deleted
// in the last 5 s (300 s while their inode table block is dirty) one by one
// when it allocates an inode, and the builds around delete files all the
// time; syncfs writes those blocks back on every batch, and so stays fast
// where the others fall to a few hundred. It was the fastest in every run
// but that one (fdatasync_parallel 460/s there). It
// also writes back the dirty data of everything else on that filesystem,
// so the queue is best given a filesystem of its own; on a busy shared one
// fdatasync_parallel syncs no more than the queue's own files.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/queue/hold_store.hpp"

namespace opes::queue {

/// How the committer makes one batch durable. Each runs two steps: the
/// files' data before they are renamed into held/ (else a crash could leave
/// a record naming a content cut short), then the folders' entries.
enum class SyncMethod {
  /// syncfs(2) on the queue's filesystem, once for the data, once for the
  /// folders: two calls whatever the batch holds, but they flush every dirty
  /// page of that filesystem, not only the queue's.
  syncfs,
  /// fdatasync(2) of each file, then fsync(2) of each folder, one after the
  /// other from the committer thread.
  fdatasync_each,
  /// The same calls made in parallel from a few threads, so that the
  /// filesystem's journal can take several into one commit.
  fdatasync_parallel,
};

struct DirectoryStoreOptions {
  std::filesystem::path root;
  RecordLimits record_limits;
  /// false only in tests that want to see the effect of no fsync at all.
  bool fsync = true;
  SyncMethod sync_method = SyncMethod::syncfs;
  /// A content over this size is refused by write() and by content().
  std::uint64_t max_content = std::uint64_t{1} << 30;
  /// What recovery did and what failed later, for the daemon's log; called
  /// on the opening thread and on the committer thread. Events: "tmp-removed",
  /// "content-without-record", "record-without-content", "damaged",
  /// "unknown-file", "recovered" (the summary), "commit-failed".
  std::function<void(std::string_view event, std::string_view detail)> log;
};

/// Creates the folders when missing, takes ROOT/lock (flock: one store a
/// root, in this process or another, since recovery removes tmp/), recovers,
/// and starts the committer thread (stopped by the destructor after the
/// pending commits finished and their callbacks ran). The error names the
/// path and the cause. Writers must not be committed after the store is
/// destroyed (their `done` is then called at once with an error).
ocp::Expected<std::unique_ptr<HoldStore>, std::string> open_directory_store(DirectoryStoreOptions options);

}  // namespace opes::queue
