#include "opes/support/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace opes::support {

namespace {

std::atomic<LogLevel> g_level{LogLevel::warning};
std::mutex g_output;

const char* name_of(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warning: return "warning";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "?";
}

void append_value(std::string& line, std::string_view value) {
  const bool plain = !value.empty() && value.find_first_of(" \"=\\\r\n\t") == std::string_view::npos;
  if (plain) {
    line += value;
    return;
  }
  line += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') {
      line += '\\';
      line += c;
    } else if (c == '\r') {
      line += "\\r";
    } else if (c == '\n') {
      line += "\\n";
    } else {
      line += c;
    }
  }
  line += '"';
}

}  // namespace

void set_log_level(LogLevel level) { g_level.store(level); }

bool log_enabled(LogLevel level) { return static_cast<int>(level) <= static_cast<int>(g_level.load()); }

void log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  std::string line = "level=";
  line += name_of(level);
  line += " event=";
  append_value(line, event);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  line += '\n';
  const std::lock_guard lock(g_output);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace opes::support
