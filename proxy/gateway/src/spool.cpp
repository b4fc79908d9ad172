#include "opes/proxy/spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

namespace opes::proxy {

namespace {

std::string errno_text(std::string_view what, const std::filesystem::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

/// Unique across processes and threads: time, pid, a per-process counter and
/// a random part (maildir's naming, for the same reason).
std::string unique_name() {
  static std::atomic<std::uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%lld.%d.%llu.%08llx.eml", static_cast<long long>(micros),
                static_cast<int>(::getpid()), static_cast<unsigned long long>(counter++),
                static_cast<unsigned long long>(random() & 0xFFFFFFFFu));
  return buffer;
}

bool fsync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string envelope_fields(const Envelope& envelope) {
  std::string fields = "Return-Path: <" + envelope.sender + ">\r\n";
  if (!envelope.recipients.empty()) {
    fields += "Envelope-To: ";
    for (std::size_t i = 0; i < envelope.recipients.size(); ++i) {
      // Folded so that many recipients keep lines short (RFC 5322 §2.2.3).
      if (i > 0) fields += ",\r\n ";
      fields += "<" + envelope.recipients[i] + ">";
    }
    fields += "\r\n";
  }
  // RFC 3461 §4: what a later delivery needs to honour the client's DSN
  // request. The values are xtext or keywords (printable US-ASCII without
  // SP; RFC 6533 utf-8 ORCPT aside), checked before they got here.
  if (!envelope.dsn.empty()) fields += "Envelope-DSN: " + envelope.dsn + "\r\n";
  for (std::size_t i = 0; i < envelope.recipients.size() && i < envelope.recipient_dsn.size(); ++i) {
    if (envelope.recipient_dsn[i].empty()) continue;
    fields += "Envelope-DSN-Recipient: <" + envelope.recipients[i] + "> " +
              envelope.recipient_dsn[i] + "\r\n";
  }
  return fields;
}

}  // namespace

SpoolMessage::SpoolMessage(int fd, std::filesystem::path directory, std::string name)
    : fd_(fd), directory_(std::move(directory)), name_(std::move(name)) {}

SpoolMessage::SpoolMessage(SpoolMessage&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      directory_(std::move(other.directory_)),
      name_(std::move(other.name_)),
      size_(other.size_) {}

SpoolMessage& SpoolMessage::operator=(SpoolMessage&& other) noexcept {
  if (this != &other) {
    abort();
    fd_ = std::exchange(other.fd_, -1);
    directory_ = std::move(other.directory_);
    name_ = std::move(other.name_);
    size_ = other.size_;
  }
  return *this;
}

SpoolMessage::~SpoolMessage() { abort(); }

ocp::Expected<SpoolMessage, std::string> SpoolMessage::create(const std::filesystem::path& directory,
                                                              const Envelope& envelope) {
  std::error_code ec;
  std::filesystem::create_directories(directory / "tmp", ec);
  if (!ec) std::filesystem::create_directories(directory / "new", ec);
  if (ec) return ocp::unexpected("cannot create " + directory.string() + ": " + ec.message());
  std::string name = unique_name();
  const std::filesystem::path path = directory / "tmp" / name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ocp::unexpected(errno_text("cannot create", path));
  SpoolMessage message(fd, directory, std::move(name));
  if (auto written = message.write(envelope_fields(envelope)); !written)
    return ocp::unexpected(written.error());
  return message;
}

ocp::Expected<void, std::string> SpoolMessage::write(std::string_view bytes) {
  if (fd_ < 0) return ocp::unexpected(std::string("the spool file is closed"));
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ocp::unexpected(errno_text("cannot write", directory_ / "tmp" / name_));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
  return {};
}

ocp::Expected<std::filesystem::path, std::string> SpoolMessage::commit() {
  if (fd_ < 0) return ocp::unexpected(std::string("the spool file is closed"));
  const std::filesystem::path from = directory_ / "tmp" / name_;
  const std::filesystem::path to = directory_ / "new" / name_;
  if (::fsync(fd_) != 0) return ocp::unexpected(errno_text("cannot fsync", from));
  ::close(std::exchange(fd_, -1));
  if (::rename(from.c_str(), to.c_str()) != 0) {
    const std::string error = errno_text("cannot rename into", to);
    ::unlink(from.c_str());
    return ocp::unexpected(error);
  }
  // The rename is durable only once the directory entry is.
  if (!fsync_directory(directory_ / "new")) return ocp::unexpected(errno_text("cannot fsync", directory_ / "new"));
  return to;
}

void SpoolMessage::abort() {
  if (fd_ < 0) return;
  ::close(std::exchange(fd_, -1));
  ::unlink((directory_ / "tmp" / name_).c_str());
}

}  // namespace opes::proxy
