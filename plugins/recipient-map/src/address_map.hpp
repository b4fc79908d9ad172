#pragma once
// The recipient map: "old@addr new@addr" lines read from a file, looked up
// with the domain compared case-insensitively and the local part compared
// as configured (docs/plugins/recipient-map.md explains the choice).

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace recipient_map {

enum class LocalPartCase { Insensitive, Sensitive };

class AddressMap {
 public:
  /// Reads the map; throws std::invalid_argument naming the file and line
  /// of the first problem.
  static AddressMap load(const std::string& file, LocalPartCase local_case);
  /// Parses map text (the file's content); `origin` names it in errors.
  static AddressMap parse(std::string_view text, std::string_view origin, LocalPartCase local_case);

  /// The new address for a mailbox ("local@domain", no angle brackets).
  std::optional<std::string_view> find(std::string_view mailbox) const;
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  explicit AddressMap(LocalPartCase local_case) : local_case_(local_case) {}
  std::optional<std::string> key(std::string_view mailbox) const;

  LocalPartCase local_case_;
  std::unordered_map<std::string, std::string> entries_;
};

}  // namespace recipient_map
