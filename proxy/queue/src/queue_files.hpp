#pragma once
// The small POSIX file operations of the directory store, errors as text
// naming the path and errno's cause. The discipline is maildir's (and the
// gateway's DurableFile): write in tmp/, fsync, rename into place, fsync the
// folder, since a rename is durable only once its directory entry is.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"

namespace opes::queue::files {

using Result = ocp::Expected<void, std::string>;

std::string errno_text(std::string_view what, const std::filesystem::path& path);

/// A file descriptor closed by the destructor.
class Descriptor {
 public:
  Descriptor() = default;
  explicit Descriptor(int fd) noexcept : fd_(fd) {}
  Descriptor(Descriptor&& other) noexcept : fd_(other.release()) {}
  Descriptor& operator=(Descriptor&& other) noexcept;
  ~Descriptor() { close(); }
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void close() noexcept;

 private:
  int fd_ = -1;
};

/// O_EXCL: never another writer's file, whatever the name.
ocp::Expected<Descriptor, std::string> create_exclusive(const std::filesystem::path& path);
Result write_all(int fd, std::string_view bytes, const std::filesystem::path& path);
Result sync_data(int fd, const std::filesystem::path& path);
Result sync_directory(const std::filesystem::path& directory);
/// Everything of a regular file, refused when over `max_size` octets.
ocp::Expected<std::string, std::string> read_all(const std::filesystem::path& path, std::uint64_t max_size);
/// Writes `bytes` to `temporary`, fsyncs it (when `sync`), renames it over
/// `target` and fsyncs `target`'s folder: the file is replaced whole or not.
Result replace_durably(const std::filesystem::path& temporary, const std::filesystem::path& target,
                       std::string_view bytes, bool sync);
/// The paths in a folder (std::filesystem's iteration, without its throws).
ocp::Expected<std::vector<std::filesystem::path>, std::string> list_folder(const std::filesystem::path& folder);
/// unlink(2), ENOENT counting as done.
Result remove_file(const std::filesystem::path& path);

}  // namespace opes::queue::files
