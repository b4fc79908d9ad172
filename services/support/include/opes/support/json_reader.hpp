#pragma once
// Reads a JSON configuration object strictly: every key must be known, every
// value of the right type, and an error names the key's full path
// (`listeners[1].tls.certificate`) so an operator can find it at once.

#include <nlohmann/json.hpp>

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

}  // namespace opes::support
