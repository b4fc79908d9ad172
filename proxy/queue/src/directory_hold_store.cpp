#include "opes/queue/directory_hold_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <system_error>
#include <utility>

#include "group_committer.hpp"
#include "ocp/smtp/ascii.hpp"
#include "queue_files.hpp"
#include "queue_names.hpp"
#include "recovery.hpp"

namespace opes::queue {

namespace {

namespace fs = std::filesystem;

/// The lower-cased domain part of an address: after its last '@' (a quoted
/// local part may hold '@' too, RFC 5321 §4.1.2).
ocp::Expected<std::string, std::string> domain_of(std::string_view address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos)
    return ocp::unexpected("recipient " + std::string(address) + " has no domain");
  std::string domain;
  for (const char c : address.substr(at + 1)) domain += ocp::smtp::ascii::ascii_lower(c);
  if (!is_domain_folder(domain))
    return ocp::unexpected("recipient " + std::string(address) +
                           ": the domain is not a folder name");
  return domain;
}

class DirectoryHoldWriter final : public HoldWriter {
 public:
  DirectoryHoldWriter(std::shared_ptr<GroupCommitter> committer, CommitJob job,
                      std::uint64_t max_content, fs::path tmp)
      : committer_(std::move(committer)),
        job_(std::move(job)),
        max_content_(max_content),
        tmp_(std::move(tmp)) {}

  ~DirectoryHoldWriter() override {
    if (committed_) return;
    job_.content.fd.close();
    ::unlink(job_.content.temporary.c_str());
  }

  ocp::Expected<void, std::string> write(std::string_view bytes) override {
    if (committed_) return ocp::unexpected(std::string("the message is committed"));
    if (!job_.error.empty()) return ocp::unexpected(job_.error);
    if (bytes.size() > max_content_ - size_) {
      job_.error = "the message is over " + std::to_string(max_content_) + " octets";
      return ocp::unexpected(job_.error);
    }
    if (auto done = files::write_all(job_.content.fd.get(), bytes, job_.content.temporary); !done) {
      job_.error = done.error();
      return done;
    }
    size_ += bytes.size();
    return {};
  }

  void commit(EnqueueDone done) override {
    if (committed_) {
      if (done) done(ocp::unexpected(std::string("the message is committed already")));
      return;
    }
    committed_ = true;
    job_.done = std::move(done);
    // The records are written here, on the caller's thread: the committer
    // only syncs and renames.
    if (job_.error.empty()) {
      for (const HeldRecord& entry : job_.entries) {
        if (auto staged = stage_record(entry); !staged) {
          job_.error = staged.error();
          break;
        }
      }
    }
    committer_->submit(std::move(job_));
  }

 private:
  files::Result stage_record(const HeldRecord& entry) {
    auto text = serialize_record(entry);
    if (!text) return ocp::unexpected(text.error());
    StagedFile file;
    file.temporary = tmp_ / (entry.id + ".rec");
    auto fd = files::create_exclusive(file.temporary);
    if (!fd) return ocp::unexpected(fd.error());
    file.fd = std::move(*fd);
    // In the job at once, so that a failure below still removes the file.
    job_.records.push_back(std::move(file));
    return files::write_all(job_.records.back().fd.get(), *text, job_.records.back().temporary);
  }

  std::shared_ptr<GroupCommitter> committer_;
  CommitJob job_;
  std::uint64_t max_content_;
  std::uint64_t size_ = 0;
  fs::path tmp_;
  bool committed_ = false;
};

class DirectoryHoldStore final : public HoldStore {
 public:
  DirectoryHoldStore(DirectoryStoreOptions options, files::Descriptor lock)
      : options_(std::move(options)),
        tmp_(options_.root / "tmp"),
        held_(options_.root / "held"),
        lock_(std::move(lock)) {}

  ~DirectoryHoldStore() override {
    // The pending commits finish and their callbacks run (publishing into
    // the index, which is still here) before anything else goes.
    if (committer_) committer_->stop();
  }

  void start(std::vector<HeldRecord> recovered) {
    for (auto& record : recovered) {
      auto& folder = index_[record.domain];
      std::string id = record.id;
      folder.emplace(std::move(id), Entry{std::move(record), false});
    }
    committer_ = std::make_shared<GroupCommitter>(
        options_.root, options_.fsync, options_.sync_method,
        [this](std::vector<HeldRecord> records) { publish(std::move(records)); }, options_.log);
  }

  ocp::Expected<std::unique_ptr<HoldWriter>, std::string> begin(HeldMessage message) override {
    if (message.recipients.empty()) return ocp::unexpected(std::string("no recipient"));
    // One entry a domain, in the order of each domain's first recipient.
    std::vector<std::string> domains;
    std::vector<std::vector<HeldRecipient>> split;
    for (auto& recipient : message.recipients) {
      auto domain = domain_of(recipient.address);
      if (!domain) return ocp::unexpected(domain.error());
      const auto found = std::find(domains.begin(), domains.end(), *domain);
      const auto index = static_cast<std::size_t>(found - domains.begin());
      if (found == domains.end()) {
        domains.push_back(std::move(*domain));
        split.emplace_back();
      }
      split[index].push_back(std::move(recipient));
    }

    const std::string message_id = make_message_id();
    CommitJob job;
    for (std::size_t i = 0; i < domains.size(); ++i) {
      HeldRecord entry;
      entry.id = message_id + "." + std::to_string(i + 1);
      entry.domain = domains[i];
      entry.sender = message.sender;
      entry.sender_dsn = message.sender_dsn;
      entry.recipients = std::move(split[i]);
      entry.origin = message.origin;
      entry.transaction = message.transaction;
      entry.received = std::chrono::time_point_cast<std::chrono::seconds>(message.received);
      // Checked now, so that commit() cannot fail on a value (CR, LF).
      if (auto text = serialize_record(entry); !text) return ocp::unexpected(text.error());
      job.entries.push_back(std::move(entry));
    }
    job.content.temporary = tmp_ / (message_id + ".eml");
    auto fd = files::create_exclusive(job.content.temporary);
    if (!fd) return ocp::unexpected(fd.error());
    job.content.fd = std::move(*fd);
    return std::unique_ptr<HoldWriter>(std::make_unique<DirectoryHoldWriter>(
        committer_, std::move(job), options_.max_content, tmp_));
  }

  bool holds_mail(const std::vector<std::string>& domains) const override {
    const std::lock_guard lock(mutex_);
    for (const auto& domain : domains) {
      const auto found = index_.find(domain);
      if (found != index_.end() && !found->second.empty()) return true;
    }
    return false;
  }

  std::vector<HeldRecord> lease(const std::vector<std::string>& domains, std::size_t max) override {
    const std::lock_guard lock(mutex_);
    std::vector<Entry*> candidates;
    for (const auto& domain : domains) {
      const auto found = index_.find(domain);
      if (found == index_.end()) continue;
      for (auto& [id, entry] : found->second)
        if (!entry.leased) candidates.push_back(&entry);
    }
    return take(candidates, max);
  }

  std::vector<HeldRecord> lease_received_before(Clock::time_point cutoff, std::size_t max,
                                                bool unwarned_only) override {
    const std::lock_guard lock(mutex_);
    std::vector<Entry*> candidates;
    for (auto& [domain, folder] : index_) {
      for (auto& [id, entry] : folder) {
        if (entry.leased || entry.record.received >= cutoff) continue;
        if (unwarned_only && entry.record.delay_warned) continue;
        candidates.push_back(&entry);
      }
    }
    return take(candidates, max);
  }

  ocp::Expected<std::string, std::string> content(const HeldRecord& entry) override {
    if (auto known = find(entry); !known) return ocp::unexpected(known.error());
    return files::read_all(content_path(entry), options_.max_content);
  }

  ocp::Expected<void, std::string> acknowledge(const HeldRecord& entry) override {
    auto known = find(entry, true);
    if (!known) return ocp::unexpected(known.error());
    // The record first: without it the entry is gone, and recovery removes
    // a content left alone.
    if (auto done = files::remove_file(record_path(entry)); !done) return done;
    if (auto done = files::remove_file(content_path(entry)); !done) return done;
    if (options_.fsync) {
      if (auto done = files::sync_directory(held_ / entry.domain); !done) return done;
    }
    const std::lock_guard lock(mutex_);
    auto folder = index_.find(entry.domain);
    folder->second.erase(entry.id);
    --leased_;
    if (folder->second.empty()) index_.erase(folder);
    return {};
  }

  ocp::Expected<void, std::string> release(const HeldRecord& entry, bool deferred,
                                           bool delay_warned) override {
    auto known = find(entry, true);
    if (!known) return ocp::unexpected(known.error());
    HeldRecord updated = *known;
    // Some recipients done (delivered or bounced): the entry keeps the rest.
    const bool fewer = !entry.recipients.empty() && entry.recipients.size() < known->recipients.size();
    if (fewer) {
      for (const HeldRecipient& kept : entry.recipients) {
        const bool held = std::any_of(known->recipients.begin(), known->recipients.end(),
                                      [&](const HeldRecipient& r) { return r.address == kept.address; });
        if (!held) {
          unlease(entry);
          return ocp::unexpected("entry " + entry.domain + "/" + entry.id + " has no recipient " + kept.address);
        }
      }
      updated.recipients = entry.recipients;
    }
    if (deferred || delay_warned || fewer) {
      if (deferred) ++updated.attempts;
      if (delay_warned) updated.delay_warned = true;
      auto text = serialize_record(updated);
      if (!text) return ocp::unexpected(text.error());
      // A name of its own in tmp/: not the enqueue's, nor a second release's.
      const fs::path temporary = tmp_ / (make_message_id() + ".release.rec");
      if (auto done = files::replace_durably(temporary, record_path(entry), *text, options_.fsync);
          !done) {
        unlease(entry);
        return done;
      }
    }
    const std::lock_guard lock(mutex_);
    Entry& stored = index_[entry.domain][entry.id];
    stored.record = std::move(updated);
    stored.leased = false;
    --leased_;
    return {};
  }

  StoreStats stats() const override {
    const std::lock_guard lock(mutex_);
    StoreStats stats;
    for (const auto& [domain, folder] : index_) stats.entries += folder.size();
    stats.leased = leased_;
    return stats;
  }

  std::string describe() const override { return "hold queue " + options_.root.string(); }

 private:
  struct Entry {
    HeldRecord record;
    bool leased = false;
  };

  fs::path content_path(const HeldRecord& entry) const {
    return held_ / entry.domain / (entry.id + ".eml");
  }
  fs::path record_path(const HeldRecord& entry) const {
    return held_ / entry.domain / (entry.id + ".rec");
  }

  /// The stored record of (domain, id); with `leased`, only a leased one
  /// (acknowledge and release act on what the caller leased).
  ocp::Expected<HeldRecord, std::string> find(const HeldRecord& entry, bool leased = false) const {
    const std::lock_guard lock(mutex_);
    const auto folder = index_.find(entry.domain);
    if (folder != index_.end()) {
      const auto found = folder->second.find(entry.id);
      if (found != folder->second.end()) {
        if (leased && !found->second.leased)
          return ocp::unexpected("entry " + entry.domain + "/" + entry.id + " is not leased");
        return found->second.record;
      }
    }
    return ocp::unexpected("no entry " + entry.domain + "/" + entry.id);
  }

  void unlease(const HeldRecord& entry) {
    const std::lock_guard lock(mutex_);
    index_[entry.domain][entry.id].leased = false;
    --leased_;
  }

  /// Called with mutex_ held: the oldest `max` of the candidates, leased.
  std::vector<HeldRecord> take(std::vector<Entry*>& candidates, std::size_t max) {
    // Oldest by the time received; ids begin with the enqueue's time, so
    // they order the entries received in the same second.
    const std::size_t count = std::min(max, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count),
                      candidates.end(), [](const Entry* a, const Entry* b) {
                        if (a->record.received != b->record.received)
                          return a->record.received < b->record.received;
                        return a->record.id < b->record.id;
                      });
    candidates.resize(count);
    std::vector<HeldRecord> out;
    out.reserve(candidates.size());
    for (Entry* entry : candidates) {
      entry->leased = true;
      ++leased_;
      out.push_back(entry->record);
    }
    return out;
  }

  void publish(std::vector<HeldRecord> records) {
    const std::lock_guard lock(mutex_);
    for (auto& record : records) {
      auto& folder = index_[record.domain];
      std::string id = record.id;
      folder.emplace(std::move(id), Entry{std::move(record), false});
    }
  }

  DirectoryStoreOptions options_;
  fs::path tmp_;
  fs::path held_;
  files::Descriptor lock_;  // flock'd ROOT/lock, released by closing
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, Entry>> index_;
  std::size_t leased_ = 0;
  std::shared_ptr<GroupCommitter> committer_;
};

}  // namespace

ocp::Expected<std::unique_ptr<HoldStore>, std::string> open_directory_store(
    DirectoryStoreOptions options) {
  if (options.root.empty()) return ocp::unexpected(std::string("the hold queue has no folder"));
  for (const char* folder : {"", "tmp", "held", "damaged"}) {
    const fs::path path = *folder ? options.root / folder : options.root;
    std::error_code error;
    fs::create_directories(path, error);
    if (error) return ocp::unexpected("cannot create " + path.string() + ": " + error.message());
  }
  const fs::path lock_path = options.root / "lock";
  files::Descriptor lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return ocp::unexpected(files::errno_text("cannot open", lock_path));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return ocp::unexpected(files::errno_text("cannot lock (another store uses it?)", lock_path));

  RecoveryOptions recovery{options.root, options.record_limits, options.fsync, options.log};
  auto recovered = recover(recovery);
  if (!recovered) return ocp::unexpected(recovered.error());
  auto store = std::make_unique<DirectoryHoldStore>(std::move(options), std::move(lock));
  store->start(std::move(*recovered));
  return std::unique_ptr<HoldStore>(std::move(store));
}

}  // namespace opes::queue
