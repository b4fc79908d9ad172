#include "queue_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace opes::queue::files {

std::string errno_text(std::string_view what, const std::filesystem::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

Descriptor& Descriptor::operator=(Descriptor&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.release();
  }
  return *this;
}

int Descriptor::release() noexcept { return std::exchange(fd_, -1); }

void Descriptor::close() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

ocp::Expected<Descriptor, std::string> create_exclusive(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ocp::unexpected(errno_text("cannot create", path));
  return Descriptor(fd);
}

Result write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ocp::unexpected(errno_text("cannot write", path));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result sync_data(int fd, const std::filesystem::path& path) {
  // fdatasync: the size is metadata it flushes too (needed to read the data
  // back); only the times are left to the next journal commit.
  if (::fdatasync(fd) != 0) return ocp::unexpected(errno_text("cannot fdatasync", path));
  return {};
}

Result sync_directory(const std::filesystem::path& directory) {
  const Descriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ocp::unexpected(errno_text("cannot open", directory));
  if (::fsync(fd.get()) != 0) return ocp::unexpected(errno_text("cannot fsync", directory));
  return {};
}

ocp::Expected<std::string, std::string> read_all(const std::filesystem::path& path, std::uint64_t max_size) {
  const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ocp::unexpected(errno_text("cannot open", path));
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) return ocp::unexpected(errno_text("cannot stat", path));
  if (!S_ISREG(status.st_mode)) return ocp::unexpected(path.string() + ": not a regular file");
  if (static_cast<std::uint64_t>(status.st_size) > max_size)
    return ocp::unexpected(path.string() + ": " + std::to_string(status.st_size) + " octets, over the limit of " +
                           std::to_string(max_size));
  std::string out;
  out.resize(static_cast<std::size_t>(status.st_size));
  std::size_t done = 0;
  while (true) {
    if (done == out.size()) {
      // Read one octet past the size seen: a file still growing is refused.
      char extra = 0;
      const ssize_t n = ::read(fd.get(), &extra, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ocp::unexpected(errno_text("cannot read", path));
      if (n > 0) return ocp::unexpected(path.string() + ": grew while read");
      return out;
    }
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ocp::unexpected(errno_text("cannot read", path));
    }
    if (n == 0) return ocp::unexpected(path.string() + ": shrank while read");
    done += static_cast<std::size_t>(n);
  }
}

Result replace_durably(const std::filesystem::path& temporary, const std::filesystem::path& target,
                       std::string_view bytes, bool sync) {
  auto fd = create_exclusive(temporary);
  if (!fd) return ocp::unexpected(fd.error());
  auto written = write_all(fd->get(), bytes, temporary);
  if (written && sync) written = sync_data(fd->get(), temporary);
  fd->close();
  if (!written) {
    ::unlink(temporary.c_str());
    return written;
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    const std::string error = errno_text("cannot rename onto", target);
    ::unlink(temporary.c_str());
    return ocp::unexpected(error);
  }
  if (sync) return sync_directory(target.parent_path());
  return {};
}

ocp::Expected<std::vector<std::filesystem::path>, std::string> list_folder(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> out;
  std::error_code error;
  std::filesystem::directory_iterator item(folder, error);
  for (; !error && item != std::filesystem::directory_iterator(); item.increment(error)) out.push_back(item->path());
  if (error) return ocp::unexpected("cannot list " + folder.string() + ": " + error.message());
  return out;
}

Result remove_file(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ocp::unexpected(errno_text("cannot remove", path));
  return {};
}

}  // namespace opes::queue::files
