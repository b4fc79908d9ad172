#include "group_committer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <utility>

namespace opes::queue {

namespace {

using Task = std::function<files::Result()>;

/// Runs the tasks from a few threads at once (the calling one included);
/// the first error wins. The threads are made a batch: a batch costs
/// milliseconds of sync calls, a thread tens of microseconds.
files::Result run_tasks(std::vector<Task>& tasks, bool parallel) {
  if (!parallel || tasks.size() < 2) {
    for (auto& task : tasks)
      if (auto done = task(); !done) return done;
    return {};
  }
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::string error;
  const auto work = [&] {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      if (auto done = tasks[i](); !done) {
        const std::lock_guard lock(mutex);
        if (error.empty()) error = done.error();
      }
    }
  };
  const std::size_t helpers = std::min<std::size_t>(tasks.size(), 8) - 1;
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  for (std::size_t i = 0; i < helpers; ++i) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  if (!error.empty()) return ocp::unexpected(error);
  return {};
}

files::Result sync_filesystem(int fd, const std::filesystem::path& root) {
  if (::syncfs(fd) != 0) return ocp::unexpected(files::errno_text("cannot syncfs", root));
  return {};
}

void discard(CommitJob& job) {
  job.content.fd.close();
  if (!job.content.temporary.empty()) ::unlink(job.content.temporary.c_str());
  for (auto& record : job.records) {
    record.fd.close();
    ::unlink(record.temporary.c_str());
  }
}

}  // namespace

GroupCommitter::GroupCommitter(std::filesystem::path root, bool sync, SyncMethod method, Publish publish,
                               Log log)
    : root_(std::move(root)),
      held_(root_ / "held"),
      sync_(sync),
      method_(method),
      publish_(std::move(publish)),
      log_(std::move(log)),
      root_fd_(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::submit(CommitJob job) {
  {
    const std::lock_guard lock(mutex_);
    if (!stopping_) {
      pending_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  discard(job);
  if (job.done) job.done(ocp::unexpected(std::string("the hold queue is closed")));
}

void GroupCommitter::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
    stopped_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupCommitter::run() {
  std::vector<CommitJob> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, and nothing left
      batch.swap(pending_);
    }
    commit_batch(batch);
    batch.clear();
  }
}

files::Result GroupCommitter::sync_data(std::vector<CommitJob>& batch) {
  if (method_ == SyncMethod::syncfs) return sync_filesystem(root_fd_.get(), root_);
  std::vector<Task> tasks;
  for (auto& job : batch) {
    if (!job.error.empty()) continue;
    tasks.push_back([&file = job.content] { return files::sync_data(file.fd.get(), file.temporary); });
    for (auto& record : job.records)
      tasks.push_back([&record] { return files::sync_data(record.fd.get(), record.temporary); });
  }
  return run_tasks(tasks, method_ == SyncMethod::fdatasync_parallel);
}

files::Result GroupCommitter::sync_folders(const std::set<std::filesystem::path>& folders) {
  if (folders.empty()) return {};
  if (method_ == SyncMethod::syncfs) return sync_filesystem(root_fd_.get(), root_);
  std::vector<Task> tasks;
  for (const auto& folder : folders) tasks.push_back([&folder] { return files::sync_directory(folder); });
  return run_tasks(tasks, method_ == SyncMethod::fdatasync_parallel);
}

files::Result GroupCommitter::place(CommitJob& job, std::set<std::filesystem::path>& folders,
                                    std::vector<std::filesystem::path>& placed) {
  const bool split = job.entries.size() > 1;
  for (std::size_t i = 0; i < job.entries.size(); ++i) {
    const HeldRecord& entry = job.entries[i];
    const std::filesystem::path folder = held_ / entry.domain;
    if (!known_folders_.contains(entry.domain)) {
      if (::mkdir(folder.c_str(), 0700) == 0) {
        folders.insert(held_);  // the new folder's own entry in held/
      } else if (errno != EEXIST) {
        return ocp::unexpected(files::errno_text("cannot create", folder));
      }
      known_folders_.insert(entry.domain);
    }
    folders.insert(folder);
    const std::filesystem::path content = folder / (entry.id + ".eml");
    // One content for every domain of a split message: hard links, and the
    // tmp/ name removed once all are made.
    const int linked = split ? ::link(job.content.temporary.c_str(), content.c_str())
                             : ::rename(job.content.temporary.c_str(), content.c_str());
    if (linked != 0) return ocp::unexpected(files::errno_text("cannot place", content));
    placed.push_back(content);
    const std::filesystem::path record = folder / (entry.id + ".rec");
    if (::rename(job.records[i].temporary.c_str(), record.c_str()) != 0)
      return ocp::unexpected(files::errno_text("cannot place", record));
    placed.push_back(record);
  }
  if (split) ::unlink(job.content.temporary.c_str());
  return {};
}

void GroupCommitter::commit_batch(std::vector<CommitJob>& batch) {
  const auto fail_job = [this](CommitJob& job, std::string error) {
    if (log_) log_("commit-failed", error);
    job.error = std::move(error);
  };

  const bool any_live = std::any_of(batch.begin(), batch.end(), [](const CommitJob& job) { return job.error.empty(); });
  files::Result data = sync_ && any_live ? sync_data(batch) : files::Result{};
  for (auto& job : batch) {
    job.content.fd.close();
    for (auto& record : job.records) record.fd.close();
  }
  std::set<std::filesystem::path> folders;
  std::vector<std::vector<std::filesystem::path>> placed(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CommitJob& job = batch[i];
    if (!job.error.empty()) {
      discard(job);
      continue;
    }
    if (!data) {
      fail_job(job, data.error());
    } else if (auto done = place(job, folders, placed[i]); !done) {
      fail_job(job, done.error());
      for (const auto& path : placed[i]) ::unlink(path.c_str());
      placed[i].clear();
    }
    if (!job.error.empty()) discard(job);
  }

  if (sync_) {
    if (auto synced = sync_folders(folders); !synced) {
      // Not known durable: reported as failed, and taken back (a crash may
      // still keep some, delivered then twice rather than never).
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].error.empty()) continue;
        fail_job(batch[i], synced.error());
        for (const auto& path : placed[i]) ::unlink(path.c_str());
      }
    }
  }

  std::vector<HeldRecord> published;
  for (auto& job : batch)
    if (job.error.empty()) published.insert(published.end(), job.entries.begin(), job.entries.end());
  if (!published.empty()) publish_(std::move(published));

  for (auto& job : batch) {
    if (!job.done) continue;
    if (!job.error.empty()) {
      job.done(ocp::unexpected(std::move(job.error)));
      continue;
    }
    std::vector<std::string> ids;
    ids.reserve(job.entries.size());
    for (const auto& entry : job.entries) ids.push_back(entry.id);
    job.done(std::move(ids));
  }
}

}  // namespace opes::queue
