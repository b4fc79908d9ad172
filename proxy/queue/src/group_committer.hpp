#pragma once
// The committer thread of the directory store (group commit): writers hand
// it their files written in tmp/, it takes everything pending as one batch,
// makes the batch's data durable, renames the files into held/DOMAIN/,
// makes those folders durable, publishes the entries and then calls each
// `done`. Concurrent sessions thus share the sync calls instead of waiting
// for them in series.

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "opes/queue/directory_hold_store.hpp"
#include "queue_files.hpp"

namespace opes::queue {

/// One file written in tmp/ and its place in held/.
struct StagedFile {
  files::Descriptor fd;  // open until the batch's data is durable
  std::filesystem::path temporary;
};

/// One message: its content, one record a domain, the callback.
struct CommitJob {
  std::string error;  // set before the hand-over: nothing to make durable
  StagedFile content;
  std::vector<StagedFile> records;       // records[i] for entries[i]
  std::vector<HeldRecord> entries;       // id and domain name the final files
  EnqueueDone done;
};

class GroupCommitter {
 public:
  using Publish = std::function<void(std::vector<HeldRecord>)>;
  using Log = std::function<void(std::string_view, std::string_view)>;

  GroupCommitter(std::filesystem::path root, bool sync, SyncMethod method, Publish publish, Log log);
  ~GroupCommitter();

  /// Takes the job into the next batch; after stop(), fails it at once.
  void submit(CommitJob job);
  /// Finishes every pending job (callbacks called), then joins the thread.
  void stop();

 private:
  void run();
  void commit_batch(std::vector<CommitJob>& batch);
  files::Result sync_data(std::vector<CommitJob>& batch);
  files::Result sync_folders(const std::set<std::filesystem::path>& folders);
  files::Result place(CommitJob& job, std::set<std::filesystem::path>& folders,
                      std::vector<std::filesystem::path>& placed);

  std::filesystem::path root_;
  std::filesystem::path held_;
  bool sync_;
  SyncMethod method_;
  Publish publish_;
  Log log_;
  files::Descriptor root_fd_;           // for syncfs(2)
  std::set<std::string> known_folders_;  // held/DOMAIN known to exist

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<CommitJob> pending_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace opes::queue
