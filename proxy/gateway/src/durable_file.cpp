#include "opes/proxy/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <utility>

namespace opes::proxy {

namespace {

std::string errno_text(std::string_view what, const std::filesystem::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

/// Unique across processes and threads: time, pid, a per-process counter and
/// a random part (maildir's naming, for the same reason).
std::string unique_name(std::string_view suffix) {
  static std::atomic<std::uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%lld.%d.%llu.%08llx", static_cast<long long>(micros),
                static_cast<int>(::getpid()), static_cast<unsigned long long>(counter++),
                static_cast<unsigned long long>(random() & 0xFFFFFFFFu));
  return std::string(buffer) + std::string(suffix);
}

bool fsync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

DurableFile::DurableFile(int fd, std::filesystem::path temporary_directory,
                         std::filesystem::path final_directory, std::string name)
    : fd_(fd),
      temporary_directory_(std::move(temporary_directory)),
      final_directory_(std::move(final_directory)),
      name_(std::move(name)) {}

DurableFile::DurableFile(DurableFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      temporary_directory_(std::move(other.temporary_directory_)),
      final_directory_(std::move(other.final_directory_)),
      name_(std::move(other.name_)),
      size_(other.size_) {}

DurableFile& DurableFile::operator=(DurableFile&& other) noexcept {
  if (this != &other) {
    abort();
    fd_ = std::exchange(other.fd_, -1);
    temporary_directory_ = std::move(other.temporary_directory_);
    final_directory_ = std::move(other.final_directory_);
    name_ = std::move(other.name_);
    size_ = other.size_;
  }
  return *this;
}

DurableFile::~DurableFile() { abort(); }

ocp::Expected<DurableFile, std::string> DurableFile::create(std::filesystem::path temporary_directory,
                                                            std::filesystem::path final_directory,
                                                            std::string_view suffix) {
  std::string name = unique_name(suffix);
  const std::filesystem::path path = temporary_directory / name;
  // O_EXCL: never another writer's file, whatever the name collision.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ocp::unexpected(errno_text("cannot create", path));
  return DurableFile(fd, std::move(temporary_directory), std::move(final_directory), std::move(name));
}

ocp::Expected<void, std::string> DurableFile::write(std::string_view bytes) {
  if (fd_ < 0) return ocp::unexpected(std::string("the file is closed"));
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ocp::unexpected(errno_text("cannot write", temporary_path()));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
  return {};
}

ocp::Expected<std::filesystem::path, std::string> DurableFile::commit() {
  if (fd_ < 0) return ocp::unexpected(std::string("the file is closed"));
  const std::filesystem::path from = temporary_path();
  const std::filesystem::path to = final_directory_ / name_;
  if (::fsync(fd_) != 0) {
    const std::string error = errno_text("cannot fsync", from);
    abort();
    return ocp::unexpected(error);
  }
  ::close(std::exchange(fd_, -1));
  if (::rename(from.c_str(), to.c_str()) != 0) {
    const std::string error = errno_text("cannot rename into", to);
    ::unlink(from.c_str());
    return ocp::unexpected(error);
  }
  // The rename is durable only once the directory entry is.
  if (!fsync_directory(final_directory_)) return ocp::unexpected(errno_text("cannot fsync", final_directory_));
  return to;
}

void DurableFile::abort() {
  if (fd_ < 0) return;
  ::close(std::exchange(fd_, -1));
  ::unlink(temporary_path().c_str());
}

}  // namespace opes::proxy
