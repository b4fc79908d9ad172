#include "opes/support/json_reader.hpp"

namespace opes::support {

std::string ConfigError::describe() const {
  return path.empty() ? reason : path + ": " + reason;
}

JsonReader::JsonReader(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)), errors_(std::make_shared<std::vector<ConfigError>>()) {}

JsonReader JsonReader::nested(const nlohmann::json& object, std::string path) const {
  JsonReader reader(object, std::move(path));
  reader.errors_ = errors_;
  return reader;
}

bool JsonReader::is_object() {
  if (object_.is_object()) return true;
  fail(path_, "must be an object");
  return false;
}

std::string JsonReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonReader::fail(std::string path, std::string reason) {
  errors_->push_back(ConfigError{std::move(path), std::move(reason)});
}

const nlohmann::json* JsonReader::value(std::string_view key, nlohmann::json::value_t type,
                                        bool required) {
  known_.insert(std::string(key));
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(key);
  if (it == object_.end()) {
    if (required) fail(path_of(key), "is required");
    return nullptr;
  }
  const bool matches = it->type() == type ||
                       (type == nlohmann::json::value_t::number_integer && it->is_number_integer());
  if (!matches) {
    static const auto name_of = [](nlohmann::json::value_t t) -> std::string {
      switch (t) {
        case nlohmann::json::value_t::object: return "an object";
        case nlohmann::json::value_t::array: return "an array";
        case nlohmann::json::value_t::string: return "a string";
        case nlohmann::json::value_t::boolean: return "true or false";
        default: return "an integer";
      }
    };
    fail(path_of(key), "must be " + name_of(type));
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> JsonReader::string(std::string_view key, bool required) {
  const auto* found = value(key, nlohmann::json::value_t::string, required);
  if (!found) return std::nullopt;
  return found->get<std::string>();
}

std::optional<std::int64_t> JsonReader::integer(std::string_view key, std::int64_t min,
                                                std::int64_t max, bool required) {
  const auto* found = value(key, nlohmann::json::value_t::number_integer, required);
  if (!found) return std::nullopt;
  const bool is_signed = found->is_number_integer() && !found->is_number_unsigned();
  const std::int64_t number =
      is_signed ? found->get<std::int64_t>()
                : static_cast<std::int64_t>(std::min<std::uint64_t>(found->get<std::uint64_t>(),
                                                                    INT64_MAX));
  if (number < min || number > max) {
    fail(path_of(key), "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return number;
}

std::optional<bool> JsonReader::boolean(std::string_view key) {
  const auto* found = value(key, nlohmann::json::value_t::boolean, false);
  if (!found) return std::nullopt;
  return found->get<bool>();
}

void JsonReader::reject_unknown_keys() {
  if (!object_.is_object()) return;
  for (const auto& [key, ignored] : object_.items()) {
    if (!known_.contains(key)) fail(path_of(key), "unknown key");
  }
}

std::string indexed(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::vector<std::string> read_strings(JsonReader& reader, std::string_view key) {
  std::vector<std::string> items;
  const nlohmann::json* array = reader.value(key, nlohmann::json::value_t::array, false);
  if (!array) return items;
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (!(*array)[i].is_string()) {
      reader.fail(indexed(reader.path_of(key), i), "must be a string");
      continue;
    }
    items.push_back((*array)[i].get<std::string>());
  }
  return items;
}

LogLevel read_log_level(JsonReader& reader) {
  const auto text = reader.string("log_level", false);
  if (!text || *text == "warning") return LogLevel::warning;
  if (*text == "error") return LogLevel::error;
  if (*text == "info") return LogLevel::info;
  if (*text == "debug") return LogLevel::debug;
  reader.fail(reader.path_of("log_level"), "must be one of error, warning, info, debug");
  return LogLevel::warning;
}

LogOutput read_log_output(JsonReader& reader) {
  LogOutput output;
  if (const auto format = reader.string("log_format", false)) {
    if (*format == "syslog") {
      output.format = LogFormat::syslog;
    } else if (*format != "plain") {
      reader.fail(reader.path_of("log_format"), "must be plain or syslog");
    }
  }
  output.timestamps = reader.boolean("log_timestamps").value_or(false);
  return output;
}

}  // namespace opes::support
