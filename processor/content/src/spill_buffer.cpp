#include "opes/processor/spill_buffer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace opes::processor {

SpillBuffer::SpillBuffer(std::filesystem::path directory, std::size_t memory_limit)
    : directory_(std::move(directory)), memory_limit_(memory_limit) {}

SpillBuffer::~SpillBuffer() {
  close_file();
}

SpillBuffer::SpillBuffer(SpillBuffer&& other) noexcept
    : directory_(std::move(other.directory_)),
      memory_limit_(other.memory_limit_),
      memory_(std::move(other.memory_)),
      memory_read_(std::exchange(other.memory_read_, 0)),
      fd_(std::exchange(other.fd_, -1)),
      file_write_(std::exchange(other.file_write_, 0)),
      file_read_(std::exchange(other.file_read_, 0)),
      spilled_(std::exchange(other.spilled_, 0)) {
  other.memory_.clear();
}

SpillBuffer& SpillBuffer::operator=(SpillBuffer&& other) noexcept {
  if (this != &other) {
    close_file();
    directory_ = std::move(other.directory_);
    memory_limit_ = other.memory_limit_;
    memory_ = std::move(other.memory_);
    other.memory_.clear();
    memory_read_ = std::exchange(other.memory_read_, 0);
    fd_ = std::exchange(other.fd_, -1);
    file_write_ = std::exchange(other.file_write_, 0);
    file_read_ = std::exchange(other.file_read_, 0);
    spilled_ = std::exchange(other.spilled_, 0);
  }
  return *this;
}

void SpillBuffer::close_file() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

SpillError SpillBuffer::failure(std::string_view operation, int error) const {
  return SpillError{"spill file in " + directory_.string() + ": " + std::string(operation) + ": " +
                    std::strerror(error)};
}

ocp::Expected<void, SpillError> SpillBuffer::open_file() {
  if (directory_.empty()) {
    std::error_code ec;
    directory_ = std::filesystem::temp_directory_path(ec);
    if (ec) return ocp::unexpected(SpillError{"no spill directory: " + ec.message()});
  }
#ifdef O_TMPFILE
  // Linux: a file without a name, gone with its descriptor.
  fd_ = ::open(directory_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd_ >= 0) return {};
  // Filesystems without O_TMPFILE say EOPNOTSUPP (or EISDIR on old kernels).
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return ocp::unexpected(failure("open", errno));
  }
#endif
  std::string path = (directory_ / "opes-spill-XXXXXX").string();
  fd_ = ::mkstemp(path.data());  // mode 0600
  if (fd_ < 0) return ocp::unexpected(failure("mkstemp", errno));
  ::unlink(path.c_str());
  ::fcntl(fd_, F_SETFD, FD_CLOEXEC);
  return {};
}

ocp::Expected<void, SpillError> SpillBuffer::append(std::string_view octets) {
  if (octets.empty()) return {};
  const std::size_t in_memory = memory_.size() - memory_read_;
  if (file_write_ == file_read_ && in_memory + octets.size() <= memory_limit_) {
    if (memory_read_ > 0 && memory_read_ >= memory_.size() / 2) {
      memory_.erase(0, memory_read_);
      memory_read_ = 0;
    }
    memory_.append(octets);
    return {};
  }
  if (fd_ < 0) {
    auto opened = open_file();
    if (!opened) return opened;
  }
  while (!octets.empty()) {
    const ssize_t written =
        ::pwrite(fd_, octets.data(), octets.size(), static_cast<off_t>(file_write_));
    if (written < 0) {
      if (errno == EINTR) continue;
      return ocp::unexpected(failure("write", errno));
    }
    if (written == 0) return ocp::unexpected(failure("write", ENOSPC));
    file_write_ += static_cast<std::uint64_t>(written);
    spilled_ += static_cast<std::uint64_t>(written);
    octets.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

ocp::Expected<std::string, SpillError> SpillBuffer::read(std::size_t max) {
  std::string out;
  if (max == 0) return out;
  // Memory holds the older octets whenever it holds any.
  if (memory_read_ < memory_.size()) {
    const std::size_t take = std::min(max, memory_.size() - memory_read_);
    out.assign(memory_, memory_read_, take);
    memory_read_ += take;
    if (memory_read_ == memory_.size()) {
      memory_.clear();
      memory_read_ = 0;
    }
    return out;
  }
  if (file_read_ == file_write_) return out;
  const auto take =
      static_cast<std::size_t>(std::min<std::uint64_t>(max, file_write_ - file_read_));
  out.resize(take);
  std::size_t got = 0;
  while (got < take) {
    const ssize_t n =
        ::pread(fd_, out.data() + got, take - got, static_cast<off_t>(file_read_ + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ocp::unexpected(failure("read", errno));
    }
    if (n == 0)
      return ocp::unexpected(SpillError{"spill file in " + directory_.string() +
                                        ": read: the file is shorter than written"});
    got += static_cast<std::size_t>(n);
  }
  file_read_ += take;
  if (file_read_ == file_write_) {
    // Drained: reuse the file from its start and give the disk space back.
    file_read_ = file_write_ = 0;
    if (::ftruncate(fd_, 0) != 0) {
      // Harmless: the space comes back when the file is closed.
    }
  }
  return out;
}

}  // namespace opes::processor
