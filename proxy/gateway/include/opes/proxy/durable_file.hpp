#pragma once
// A file that appears under its final name only complete and durable: it is
// written in a temporary folder under a unique name, fsync'd, renamed into
// the final folder and that folder fsync'd (the maildir discipline; rename
// is atomic within one file system, POSIX rename(2), and a rename lasts a
// crash only once the directory is synced, fsync(2)). The one place of this
// sequence: the spool and the quarantine (spool.hpp), later the hold queue.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"

namespace opes::proxy {

class DurableFile {
 public:
  /// Opens a new file (mode 0600, created exclusively) in
  /// `temporary_directory` under a unique name ending in `suffix`; commit()
  /// moves it into `final_directory` (on the same file system). Neither
  /// folder is created here.
  static ocp::Expected<DurableFile, std::string> create(std::filesystem::path temporary_directory,
                                                         std::filesystem::path final_directory,
                                                         std::string_view suffix = ".eml");

  DurableFile(DurableFile&& other) noexcept;
  DurableFile& operator=(DurableFile&& other) noexcept;
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;
  /// An uncommitted file is removed.
  ~DurableFile();

  ocp::Expected<void, std::string> write(std::string_view bytes);
  /// fsync, rename into the final folder, fsync of that folder; returns the
  /// final path. On failure the file is gone from the temporary folder.
  ocp::Expected<std::filesystem::path, std::string> commit();
  /// Removes an uncommitted file (nothing after commit()).
  void abort();

  std::uint64_t size() const { return size_; }
  bool open() const { return fd_ >= 0; }
  std::filesystem::path temporary_path() const { return temporary_directory_ / name_; }

 private:
  DurableFile(int fd, std::filesystem::path temporary_directory, std::filesystem::path final_directory,
              std::string name);

  int fd_ = -1;
  std::filesystem::path temporary_directory_;
  std::filesystem::path final_directory_;
  std::string name_;
  std::uint64_t size_ = 0;
};

}  // namespace opes::proxy
