#pragma once
// Structured log lines, quiet by default: `level=warning event=... key=value`
// on stderr, one line per call, safe from any thread. Values with spaces or
// quotes are quoted so lines stay machine-readable.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>


namespace opes::support {

enum class LogLevel { error, warning, info, debug };

using LogField = std::pair<std::string_view, std::string>;

void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

}  // namespace opes::support
