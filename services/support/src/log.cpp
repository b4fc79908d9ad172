#include "opes/support/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace opes::support {

namespace {

std::atomic<LogLevel> g_level{LogLevel::warning};
std::mutex g_output;
LogOutput g_output_settings;  // guarded by g_output
thread_local std::string t_transaction;

const char* name_of(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warning: return "warning";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "?";
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || is_control(static_cast<unsigned char>(c)))
      return true;
  }
  return false;
}

}  // namespace

void append_log_value(std::string& line, std::string_view value) {
  if (!needs_quotes(value)) {
    line += value;
    return;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  line += '"';
  for (const char c : value) {
    const auto octet = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      line += '\\';
      line += c;
    } else if (c == '\r') {
      line += "\\r";
    } else if (c == '\n') {
      line += "\\n";
    } else if (c == '\t') {
      line += "\\t";
    } else if (is_control(octet)) {
      // Never a raw control octet: a terminal or collector might act on it.
      line += "\\x";
      line += kHex[octet >> 4];
      line += kHex[octet & 0xf];
    } else {
      line += c;
    }
  }
  line += '"';
}

std::string rfc3339_utc(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<milliseconds>(when.time_since_epoch());
  auto seconds = duration_cast<std::chrono::seconds>(since_epoch);
  auto millis = since_epoch - seconds;
  if (millis.count() < 0) {  // before 1970: floor, not truncate
    seconds -= std::chrono::seconds(1);
    millis += std::chrono::seconds(1);
  }
  const std::time_t time = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis.count()));
  return text;
}

int syslog_severity(LogLevel level) {
  switch (level) {
    case LogLevel::error: return 3;    // LOG_ERR
    case LogLevel::warning: return 4;  // LOG_WARNING
    case LogLevel::info: return 6;     // LOG_INFO
    case LogLevel::debug: return 7;    // LOG_DEBUG
  }
  return 6;
}

std::string format_log_line(const LogOutput& output, LogLevel level, std::string_view event,
                            std::span<const LogField> fields,
                            std::chrono::system_clock::time_point now) {
  std::string line;
  if (output.format == LogFormat::syslog) {
    // sd-daemon(3): "<N>" before the text, N the syslog severity.
    line += '<';
    line += static_cast<char>('0' + syslog_severity(level));
    line += '>';
  }
  if (output.timestamps) {
    line += "time=";
    line += rfc3339_utc(now);
    line += ' ';
  }
  line += "level=";
  line += name_of(level);
  line += " event=";
  append_log_value(line, event);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_log_value(line, value);
  }
  line += '\n';
  return line;
}

void set_log_level(LogLevel level) { g_level.store(level); }

void set_log_output(LogOutput output) {
  const std::lock_guard lock(g_output);
  g_output_settings = output;
}

bool log_enabled(LogLevel level) { return static_cast<int>(level) <= static_cast<int>(g_level.load()); }

void log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  log(level, event, std::span<const LogField>(fields.begin(), fields.size()));
}

void log(LogLevel level, std::string_view event, std::span<const LogField> fields) {
  if (!log_enabled(level)) return;
  LogOutput output;
  {
    const std::lock_guard lock(g_output);
    output = g_output_settings;
  }
  const std::string line =
      format_log_line(output, level, event, fields, std::chrono::system_clock::now());
  const std::lock_guard lock(g_output);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string_view current_log_transaction() { return t_transaction; }

LogTransactionScope::LogTransactionScope(std::string_view id) : previous_(t_transaction) {
  t_transaction.assign(id.data(), id.size());
}

LogTransactionScope::~LogTransactionScope() { t_transaction.swap(previous_); }

}  // namespace opes::support
