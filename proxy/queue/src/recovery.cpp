#include "recovery.hpp"

#include <unistd.h>

#include <cstdio>
#include <map>
#include <set>
#include <system_error>

#include "queue_files.hpp"
#include "queue_names.hpp"

namespace opes::queue {

namespace {

namespace fs = std::filesystem;

struct Counts {
  std::size_t tmp_removed = 0;
  std::size_t content_without_record = 0;
  std::size_t record_without_content = 0;
  std::size_t damaged = 0;
  std::size_t unknown = 0;
};

class Recovery {
 public:
  explicit Recovery(const RecoveryOptions& options) : options_(options) {}

  ocp::Expected<std::vector<HeldRecord>, std::string> run() {
    if (auto done = clear_tmp(); !done) return ocp::unexpected(done.error());
    auto listed = files::list_folder(options_.root / "held");
    if (!listed) return ocp::unexpected(listed.error());
    std::vector<fs::path> folders;
    for (const auto& path : *listed) {
      std::error_code type_error;
      if (!is_domain_folder(path.filename().string()) || !fs::is_directory(fs::symlink_status(path, type_error))) {
        unknown(path, "not a domain folder");
        continue;
      }
      folders.push_back(path);
    }
    for (const auto& folder : folders)
      if (auto done = recover_folder(folder); !done) return ocp::unexpected(done.error());
    if (options_.sync) {
      for (const auto& folder : changed_)
        if (auto done = files::sync_directory(folder); !done) return ocp::unexpected(done.error());
    }
    log("recovered", summary());
    return std::move(records_);
  }

 private:
  void log(std::string_view event, std::string_view detail) const {
    if (options_.log) options_.log(event, detail);
  }

  void unknown(const fs::path& path, std::string_view why) {
    ++counts_.unknown;
    log("unknown-file", path.string() + ": " + std::string(why) + ", left alone");
  }

  files::Result clear_tmp() {
    const fs::path tmp = options_.root / "tmp";
    auto leftovers = files::list_folder(tmp);
    if (!leftovers) return ocp::unexpected(leftovers.error());
    std::error_code error;
    for (const auto& path : *leftovers) {
      fs::remove_all(path, error);
      if (error) return ocp::unexpected("cannot remove " + path.string() + ": " + error.message());
      ++counts_.tmp_removed;
      log("tmp-removed", path.string());
    }
    if (!leftovers->empty()) changed_.insert(tmp);
    return {};
  }

  files::Result remove(const fs::path& path, std::string_view event) {
    if (auto done = files::remove_file(path); !done) return done;
    changed_.insert(path.parent_path());
    log(event, path.string() + " removed");
    return {};
  }

  /// Moves a file into damaged/ as DOMAIN.NAME, never over another one.
  files::Result move_aside(const fs::path& path, std::string_view domain) {
    const fs::path damaged = options_.root / "damaged";
    const std::string base = std::string(domain) + "." + path.filename().string();
    fs::path target = damaged / base;
    for (unsigned n = 1; ::access(target.c_str(), F_OK) == 0; ++n) target = damaged / (base + "." + std::to_string(n));
    if (::rename(path.c_str(), target.c_str()) != 0) return ocp::unexpected(files::errno_text("cannot move", path));
    changed_.insert(path.parent_path());
    changed_.insert(damaged);
    return {};
  }

  files::Result recover_folder(const fs::path& folder) {
    const std::string domain = folder.filename().string();
    struct Pair {
      bool content = false;
      bool record = false;
    };
    std::map<std::string, Pair> entries;
    auto listed = files::list_folder(folder);
    if (!listed) return ocp::unexpected(listed.error());
    for (const auto& path : *listed) {
      const std::string stem = path.stem().string();
      const std::string extension = path.extension().string();
      std::error_code type_error;
      // symlink_status: a link is not an entry's file, whatever it points to.
      if (!is_entry_id(stem) || !fs::is_regular_file(fs::symlink_status(path, type_error)) ||
          (extension != ".eml" && extension != ".rec")) {
        unknown(path, "not an entry's file");
        continue;
      }
      (extension == ".eml" ? entries[stem].content : entries[stem].record) = true;
    }

    for (const auto& [id, pair] : entries) {
      const fs::path content = folder / (id + ".eml");
      const fs::path record = folder / (id + ".rec");
      if (!pair.record) {
        ++counts_.content_without_record;
        if (auto done = remove(content, "content-without-record"); !done) return done;
        continue;
      }
      if (!pair.content) {
        ++counts_.record_without_content;
        if (auto done = remove(record, "record-without-content"); !done) return done;
        continue;
      }
      auto text = files::read_all(record, options_.record_limits.max_size);
      std::string problem;
      if (!text) {
        problem = text.error();
      } else if (auto parsed = parse_record(*text, options_.record_limits); !parsed) {
        problem = parsed.error();
      } else if (parsed->id != id || parsed->domain != domain) {
        problem = "its Id or Domain is not its file's name";
      } else {
        records_.push_back(std::move(*parsed));
        continue;
      }
      ++counts_.damaged;
      if (auto done = move_aside(record, domain); !done) return done;
      if (auto done = move_aside(content, domain); !done) return done;
      log("damaged", record.string() + ": " + problem + "; moved to " + (options_.root / "damaged").string());
    }
    return {};
  }

  std::string summary() const {
    std::map<std::string_view, std::size_t> domains;
    for (const auto& record : records_) ++domains[record.domain];
    return std::to_string(records_.size()) + " entries in " + std::to_string(domains.size()) + " domains; " +
           std::to_string(counts_.tmp_removed) + " tmp files removed, " +
           std::to_string(counts_.content_without_record) + " contents without record removed, " +
           std::to_string(counts_.record_without_content) + " records without content removed, " +
           std::to_string(counts_.damaged) + " damaged moved aside, " + std::to_string(counts_.unknown) +
           " unknown files left alone";
  }

  const RecoveryOptions& options_;
  Counts counts_;
  std::vector<HeldRecord> records_;
  std::set<fs::path> changed_;
};

}  // namespace

ocp::Expected<std::vector<HeldRecord>, std::string> recover(const RecoveryOptions& options) {
  return Recovery(options).run();
}

}  // namespace opes::queue
