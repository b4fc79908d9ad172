#pragma once
// Reads a JSON configuration object strictly: every key must be known, every
// value of the right type, and an error names the key's full path
// (`listeners[1].tls.certificate`) so an operator can find it at once.

#include <nlohmann/json.hpp>

#include "opes/support/log.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace opes::support {

struct ConfigError {
  std::string path;    // e.g. "listeners[0].port"; empty for the document itself
  std::string reason;

  /// "listeners[0].port: must be an integer from 1 to 65535"
  std::string describe() const;
};

class JsonReader {
 public:
  JsonReader(const nlohmann::json& object, std::string path);

  /// False (with an error recorded) when the value is not a JSON object.
  bool is_object();

  std::optional<std::string> string(std::string_view key, bool required);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      bool required);
  std::optional<bool> boolean(std::string_view key);
  /// The raw value, for nested readers; marks the key known.
  const nlohmann::json* value(std::string_view key, nlohmann::json::value_t type, bool required);

  /// Records an error for every key that was never asked for.
  void reject_unknown_keys();

  std::string path_of(std::string_view key) const;
  void fail(std::string path, std::string reason);

  const std::vector<ConfigError>& errors() const { return *errors_; }
  /// Shares the error list with a reader of a nested object.
  JsonReader nested(const nlohmann::json& object, std::string path) const;

 private:
  const nlohmann::json& object_;
  std::string path_;
  std::set<std::string, std::less<>> known_;
  std::shared_ptr<std::vector<ConfigError>> errors_;
};

/// `path[index]`: the path of an array element in errors.
std::string indexed(const std::string& path, std::size_t index);

/// Calls `read_one(reader_for_item, index)` for each object of the array
/// under `key`; unknown keys of each object are errors.
template <class ReadOne>
void for_each_object(JsonReader& reader, std::string_view key, bool required, ReadOne read_one) {
  const nlohmann::json* array = reader.value(key, nlohmann::json::value_t::array, required);
  if (!array) return;
  for (std::size_t i = 0; i < array->size(); ++i) {
    JsonReader item = reader.nested((*array)[i], indexed(reader.path_of(key), i));
    if (!item.is_object()) continue;
    read_one(item, i);
    item.reject_unknown_keys();
  }
}

/// Calls `read(reader)` for the object under `key` when present (unknown
/// keys are errors); false when absent.
template <class Read>
bool with_object(JsonReader& reader, std::string_view key, Read read) {
  const nlohmann::json* object = reader.value(key, nlohmann::json::value_t::object, false);
  if (!object) return false;
  JsonReader nested = reader.nested(*object, reader.path_of(key));
  read(nested);
  nested.reject_unknown_keys();
  return true;
}

/// The array of strings under `key` (absent: empty); other elements are errors.
std::vector<std::string> read_strings(JsonReader& reader, std::string_view key);

/// The `log_level` key: error, warning (the default), info or debug.
LogLevel read_log_level(JsonReader& reader);

/// The `log_format` key (`plain`, the default, or `syslog`: each line
/// prefixed with its sd-daemon(3) priority `<N>`) and `log_timestamps`
/// (boolean, default false: an RFC 3339 UTC `time=` field first).
LogOutput read_log_output(JsonReader& reader);

}  // namespace opes::support
