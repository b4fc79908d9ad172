#pragma once
// Octets the processor must hold until an answer before them is complete
// (P-10): in memory up to a limit, then in an anonymous temporary file. The
// only file I/O of the content handling; it is storage, not network.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"

namespace opes::processor {

struct SpillError {
  std::string reason;  // "spill file in /var/spool/opes: write: No space left on device"
};

/// A first-in first-out byte queue. Appends go to memory while the octets
/// held in memory stay within `memory_limit` and nothing waits in the file;
/// otherwise to the file, so that reads return the octets in append order.
/// The file is created on first need with O_TMPFILE (or mkstemp and unlink),
/// mode 0600, and closed with the buffer.
class SpillBuffer {
 public:
  /// An empty `directory` is std::filesystem::temp_directory_path().
  SpillBuffer(std::filesystem::path directory, std::size_t memory_limit);
  ~SpillBuffer();
  SpillBuffer(SpillBuffer&& other) noexcept;
  SpillBuffer& operator=(SpillBuffer&& other) noexcept;
  SpillBuffer(const SpillBuffer&) = delete;
  SpillBuffer& operator=(const SpillBuffer&) = delete;

  ocp::Expected<void, SpillError> append(std::string_view octets);
  /// Takes up to `max` octets from the front; empty when nothing is held.
  ocp::Expected<std::string, SpillError> read(std::size_t max);

  /// Octets held (in memory and in the file).
  std::uint64_t size() const noexcept {
    return (memory_.size() - memory_read_) + (file_write_ - file_read_);
  }
  bool empty() const noexcept { return size() == 0; }
  /// Octets ever written to the file.
  std::uint64_t spilled() const noexcept { return spilled_; }

 private:
  ocp::Expected<void, SpillError> open_file();
  SpillError failure(std::string_view operation, int error) const;
  void close_file() noexcept;

  std::filesystem::path directory_;
  std::size_t memory_limit_;
  std::string memory_;
  std::size_t memory_read_ = 0;
  int fd_ = -1;
  std::uint64_t file_write_ = 0;
  std::uint64_t file_read_ = 0;
  std::uint64_t spilled_ = 0;
};

}  // namespace opes::processor
