#pragma once
// The names the directory store gives to files and folders, checked before
// they become paths: an entry id or a domain must never climb out of its
// folder, whatever a record on disk or a caller says.

#include <string>
#include <string_view>

namespace opes::queue {

/// [A-Za-z0-9._-], 1 to 64 octets, not starting with '.'.
bool is_entry_id(std::string_view id) noexcept;
/// A lower-case LDH domain (RFC 2645 §5 takes RFC 1035's names): [a-z0-9.-],
/// 1 to 255 octets, no leading '.', no "..": never "/", ".", "..".
bool is_domain_folder(std::string_view domain) noexcept;
/// A new message id, unique across threads and processes, sorting by time:
/// 16 digits of microseconds since the epoch, a per-process counter, the pid.
std::string make_message_id();

}  // namespace opes::queue
