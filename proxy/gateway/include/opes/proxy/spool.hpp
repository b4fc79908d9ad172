#pragma once
// Durable storage of one message in a directory: the spool (when no upstream
// MTA is configured) and the quarantine (Advice: Quarantine). A message is
// written to `tmp/` under a unique name, fsync'd, renamed into `new/` and the
// directory fsync'd, so a file in `new/` is always complete (the maildir
// discipline, DurableFile): only after commit() may the client get its 250.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/proxy/durable_file.hpp"

namespace opes::proxy {

struct Envelope {
  std::string sender;                   // reverse-path without brackets; "" for <>
  std::vector<std::string> recipients;  // forward-paths without brackets
  /// RFC 3461 §4.3, §4.4: the MAIL's DSN parameters as sent ("RET=HDRS
  /// ENVID=QQ314159"); "" without. Spooled as Envelope-DSN.
  std::string dsn = {};
  /// RFC 3461 §4.1, §4.2: each recipient's NOTIFY and ORCPT as sent, by the
  /// index of `recipients` (missing or "": none). Spooled as
  /// Envelope-DSN-Recipient, one field per recipient that has them.
  std::vector<std::string> recipient_dsn = {};
};

class SpoolMessage {
 public:
  /// Creates `directory/tmp` and `directory/new` when missing and opens a new
  /// file; RFC 5321 §4.4: a final delivery records the reverse-path as
  /// Return-Path, and the recipients go in Envelope-To.
  static ocp::Expected<SpoolMessage, std::string> create(const std::filesystem::path& directory,
                                                          const Envelope& envelope);

  SpoolMessage(SpoolMessage&& other) noexcept = default;
  SpoolMessage& operator=(SpoolMessage&& other) noexcept = default;
  SpoolMessage(const SpoolMessage&) = delete;
  SpoolMessage& operator=(const SpoolMessage&) = delete;
  /// Abandons an uncommitted message: its temporary file is removed.
  ~SpoolMessage() = default;

  ocp::Expected<void, std::string> write(std::string_view bytes) { return file_.write(bytes); }
  /// Makes the message durable; returns its final path.
  ocp::Expected<std::filesystem::path, std::string> commit() { return file_.commit(); }
  void abort() { file_.abort(); }

  std::uint64_t size() const { return file_.size(); }

 private:
  explicit SpoolMessage(DurableFile file) : file_(std::move(file)) {}

  DurableFile file_;
};

}  // namespace opes::proxy
