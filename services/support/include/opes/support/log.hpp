#pragma once
// Structured log lines, quiet by default: `level=warning event=... key=value`
// on stderr, one line per call, safe from any thread. Values with spaces,
// quotes or control characters are quoted and escaped, so a peer's text (a
// HELO argument, an address) can never end a line or start a fake one.
//
// Two output formats (docs/operator-guide.md, "Log events"):
//   plain   `level=warning event=smtp.message ...`
//   syslog  `<4>level=warning event=smtp.message ...`: the sd-daemon(3)
//           priority prefix, which journald (and syslog-style collectors)
//           read from a service's stderr to set each line's priority.
// Either may start with `time=2026-12-04T18:30:13.123Z` (RFC 3339, UTC,
// milliseconds) when timestamps are on; off by default, since journald and
// most supervisors stamp lines themselves.

#include <chrono>
#include <initializer_list>
#include <string>
#include <span>
#include <string_view>
#include <utility>

namespace opes::support {

enum class LogLevel { error, warning, info, debug };

enum class LogFormat { plain, syslog };

struct LogOutput {
  LogFormat format = LogFormat::plain;
  bool timestamps = false;
};

using LogField = std::pair<std::string_view, std::string>;

void set_log_level(LogLevel level);
void set_log_output(LogOutput output);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});
/// The same for fields gathered at run time (a field only some lines have).
void log(LogLevel level, std::string_view event, std::span<const LogField> fields);

/// One log line as `log` writes it, final LF included. Pure: the clock is
/// the caller's (read only when `output.timestamps`).
std::string format_log_line(const LogOutput& output, LogLevel level, std::string_view event,
                            std::span<const LogField> fields,
                            std::chrono::system_clock::time_point now);
inline std::string format_log_line(const LogOutput& output, LogLevel level, std::string_view event,
                                   std::initializer_list<LogField> fields,
                                   std::chrono::system_clock::time_point now) {
  return format_log_line(output, level, event, std::span<const LogField>(fields.begin(), fields.size()),
                         now);
}

/// `value` as a log field value: bare when it is non-empty and has no space,
/// `"`, `=`, `\` or control octet; otherwise in double quotes with `"` `\`
/// escaped by `\`, CR LF TAB as `\r` `\n` `\t` and other control octets
/// (0x00-0x1F, 0x7F) as `\xHH`. Octets from 0x80 pass unchanged (UTF-8).
void append_log_value(std::string& line, std::string_view value);

/// "2026-12-04T18:30:13.123Z" (RFC 3339 §5.6, UTC, milliseconds).
std::string rfc3339_utc(std::chrono::system_clock::time_point when);

/// The syslog severity of a level (RFC 5424 §6.2.1; sd-daemon(3) prefixes):
/// error 3, warning 4, info 6, debug 7.
int syslog_severity(LogLevel level);

/// The id of the mail transaction this thread is working on, for lines that
/// code without that knowledge logs on its behalf (a plugin's log callback
/// runs inside the host's call on one transaction). Empty when none.
std::string_view current_log_transaction();

/// Sets current_log_transaction() for the scope's lifetime (restores the
/// previous one after); the id is copied. Not for coroutines that suspend
/// inside the scope.
class LogTransactionScope {
 public:
  explicit LogTransactionScope(std::string_view id);
  ~LogTransactionScope();
  LogTransactionScope(const LogTransactionScope&) = delete;
  LogTransactionScope& operator=(const LogTransactionScope&) = delete;

 private:
  std::string previous_;
};

}  // namespace opes::support
