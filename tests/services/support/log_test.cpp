// The structured log line both daemons write (services/support/src/log.cpp):
// byte-exact lines in both formats, values escaped so that no text from a
// peer can end a line or start a forged one. The callout server's
// log_format / log_timestamps keys are in tests/services/callout/config_test.cpp.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "opes/support/log.hpp"

namespace opes::support {

namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// 2026-12-04T18:30:13.045Z
const system_clock::time_point kWhen{milliseconds(1796409013045)};

std::string value_of(std::string_view value) {
  std::string line;
  append_log_value(line, value);
  return line;
}

}  // namespace

TEST_CASE("log: a plain line is level, event, then the fields in order, LF-terminated") {
  CHECK(format_log_line({}, LogLevel::warning, "smtp.message",
                        {{"peer", "127.0.0.1:4000"}, {"transaction", "Q4Z7M1K0C8RT.1"}}, kWhen) ==
        "level=warning event=smtp.message peer=127.0.0.1:4000 transaction=Q4Z7M1K0C8RT.1\n");
  CHECK(format_log_line({}, LogLevel::debug, "stopped", {}, kWhen) == "level=debug event=stopped\n");
}

TEST_CASE("log: timestamps are RFC 3339 UTC with milliseconds, first on the line") {
  const LogOutput stamped{LogFormat::plain, true};
  CHECK(format_log_line(stamped, LogLevel::info, "started", {{"config", "x.json"}}, kWhen) ==
        "time=2026-12-04T18:30:13.045Z level=info event=started config=x.json\n");
  CHECK(rfc3339_utc(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(rfc3339_utc(system_clock::time_point{milliseconds(951782400999)}) == "2000-02-29T00:00:00.999Z");
}

TEST_CASE("log: the syslog format prefixes each line with its sd-daemon priority") {
  const LogOutput syslog{LogFormat::syslog, false};
  CHECK(format_log_line(syslog, LogLevel::error, "e", {}, kWhen) == "<3>level=error event=e\n");
  CHECK(format_log_line(syslog, LogLevel::warning, "w", {}, kWhen) == "<4>level=warning event=w\n");
  CHECK(format_log_line(syslog, LogLevel::info, "i", {}, kWhen) == "<6>level=info event=i\n");
  CHECK(format_log_line(syslog, LogLevel::debug, "d", {}, kWhen) == "<7>level=debug event=d\n");
  const LogOutput both{LogFormat::syslog, true};
  CHECK(format_log_line(both, LogLevel::warning, "transaction.rejected", {{"service", "content-filter"}},
                        kWhen) ==
        "<4>time=2026-12-04T18:30:13.045Z level=warning event=transaction.rejected service=content-filter\n");
}

TEST_CASE("log: values with spaces, quotes, = or backslashes are quoted and escaped") {
  CHECK(value_of("plain-value_1.2@x:3/4") == "plain-value_1.2@x:3/4");
  CHECK(value_of("") == "\"\"");
  CHECK(value_of("550 5.7.1 Message content rejected") == "\"550 5.7.1 Message content rejected\"");
  CHECK(value_of(R"("quoted"@example.org)") == R"("\"quoted\"@example.org")");
  CHECK(value_of(R"(a\b)") == R"("a\\b")");
  CHECK(value_of("a=b") == "\"a=b\"");
  CHECK(value_of("caf\xc3\xa9") == "caf\xc3\xa9");  // UTF-8 passes unchanged
}

TEST_CASE("log: CR, LF and other control octets never reach the output raw") {
  // A HELO or an address that tries to end the line and forge another one.
  const std::string line =
      format_log_line({}, LogLevel::info, "smtp.message",
                      {{"from", "x\r\nlevel=error event=forged peer=1.2.3.4"}}, kWhen);
  CHECK(line == "level=info event=smtp.message from=\"x\\r\\nlevel=error event=forged peer=1.2.3.4\"\n");
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(value_of("a\tb") == "\"a\\tb\"");
  CHECK(value_of(std::string("nul\0esc\x1b del\x7f", 13)) == "\"nul\\x00esc\\x1B del\\x7F\"");
  // A bare LF alone is quoted too, even with nothing else to quote.
  CHECK(value_of("a\nb") == "\"a\\nb\"");
  // The event name goes through the same escaping.
  CHECK(format_log_line({}, LogLevel::info, "bad\nevent", {}, kWhen) == "level=info event=\"bad\\nevent\"\n");
}

TEST_CASE("log: a transaction scope names the transaction for this thread, nested scopes restore") {
  CHECK(current_log_transaction().empty());
  {
    const LogTransactionScope outer("S1.1");
    CHECK(current_log_transaction() == "S1.1");
    {
      const LogTransactionScope inner("S1.2");
      CHECK(current_log_transaction() == "S1.2");
    }
    CHECK(current_log_transaction() == "S1.1");
  }
  CHECK(current_log_transaction().empty());
}

}  // namespace opes::support
