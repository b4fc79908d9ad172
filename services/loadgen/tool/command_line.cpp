#include "command_line.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

namespace opes::loadgen::tool {

namespace {

template <class Number>
std::optional<Number> number(const std::string& text, Number minimum, Number maximum) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < minimum || value > maximum) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string usage() {
  return R"(usage: opes-ocp-load --connect HOST:PORT --service URI [options]

Acts as an OPES processor (RFC 4037 OCP client, SMTP receiver profile) and
runs a load of SMTP transactions through a callout server, checking every
answer. Prints one line of figures; exits 1 if any transaction failed.

  --connect HOST:PORT    the callout server (required)
  --service URI          a service of the service group, in order (repeatable, required)
  --connections N        concurrent OCP connections (default 1)
  --transactions M       transactions per connection, one after another (default 100)
  --pipeline D           transactions open at once per connection (default 1)
  --size BYTES           octets of each message (RAWDATA) (default 4096)
  --match TEXT           put TEXT into the body of every k-th message ...
  --match-every K        ... with this k (default 1 when --match is given)
  --expect-reply TEXT    messages with the match must be rejected with this reply
  --expect-header TEXT   other messages must get exactly this header field ("Name: value")
  --any-answer           accept any adaptation (default: unchanged content, no advice)
  --kept                 announce Kept so that the server may answer with DUY
  --threads N            client threads (default 1)
  --idle-timeout-ms MS   give up on a connection silent this long (default 10000)
  --deadline-s S         give up on the whole run after this long (default 300)
  --help                 this text
)";
}

ocp::Expected<ToolOptions, CommandLineError> parse_command_line(
    const std::vector<std::string>& arguments) {
  ToolOptions options;
  options.load.transactions_per_connection = 100;
  bool connect_given = false;
  bool match_every_given = false;
  auto fail = [](std::string message) {
    return ocp::unexpected(CommandLineError{std::move(message)});
  };

  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& option = arguments[i];
    if (option == "--help" || option == "-h") {
      options.help = true;
      return options;
    }
    if (option == "--kept") {
      options.load.session.kept = true;
      continue;
    }
    if (option == "--any-answer") {
      options.any_answer = true;
      continue;
    }
    static const std::set<std::string> with_value{
        "--connect", "--service",         "--connections", "--transactions", "--pipeline",
        "--size",    "--match",           "--match-every", "--expect-reply", "--expect-header",
        "--threads", "--idle-timeout-ms", "--deadline-s"};
    if (!with_value.count(option)) return fail("unknown option " + option + "; see --help");
    if (i + 1 >= arguments.size()) return fail(option + " needs a value");
    const std::string& value = arguments[++i];
    auto count = [&](std::size_t maximum) { return number<std::size_t>(value, 1, maximum); };
    auto bad = [&] { return fail(option + ": '" + value + "' is not allowed"); };

    if (option == "--connect") {
      const auto colon = value.rfind(':');
      if (colon == std::string::npos) return bad();
      auto port = number<std::uint16_t>(value.substr(colon + 1), 1, 65535);
      if (!port) return bad();
      options.load.host = value.substr(0, colon);
      if (options.load.host.size() > 2 && options.load.host.front() == '[' &&
          options.load.host.back() == ']') {
        options.load.host = options.load.host.substr(1, options.load.host.size() - 2);
      }
      options.load.port = *port;
      connect_given = true;
    } else if (option == "--service") {
      options.load.session.services.push_back(value);
    } else if (option == "--connections") {
      auto n = count(100000);
      if (!n) return bad();
      options.load.connections = *n;
    } else if (option == "--transactions") {
      auto n = count(100000000);
      if (!n) return bad();
      options.load.transactions_per_connection = *n;
    } else if (option == "--pipeline") {
      auto n = count(4096);
      if (!n) return bad();
      options.load.session.max_open_transactions = *n;
    } else if (option == "--size") {
      auto n = number<std::size_t>(value, 0, std::size_t{1} << 30);
      if (!n) return bad();
      options.expected.shape.size = *n;
    } else if (option == "--match") {
      if (value.empty()) return bad();
      options.expected.shape.match_text = value;
    } else if (option == "--match-every") {
      auto n = count(std::numeric_limits<std::uint32_t>::max());
      if (!n) return bad();
      options.expected.shape.match_every = *n;
      match_every_given = true;
    } else if (option == "--expect-reply") {
      options.expected.match_reply = value;
    } else if (option == "--expect-header") {
      options.expected.header = value;
    } else if (option == "--threads") {
      auto n = count(256);
      if (!n) return bad();
      options.load.threads = static_cast<unsigned>(*n);
    } else if (option == "--idle-timeout-ms") {
      auto n = count(3600000);
      if (!n) return bad();
      options.load.idle_timeout = std::chrono::milliseconds(*n);
    } else if (option == "--deadline-s") {
      auto n = count(86400);
      if (!n) return bad();
      options.load.deadline = std::chrono::seconds(*n);
    }
  }
  if (!connect_given) return fail("--connect HOST:PORT is required");
  if (options.load.session.services.empty()) return fail("at least one --service URI is required");
  if (!options.expected.shape.match_text.empty() && !match_every_given)
    options.expected.shape.match_every = 1;
  if (options.any_answer) options.expected.unchanged = false;
  // The engine's output buffer holds a whole transaction per open one.
  options.load.session.max_output_bytes =
      std::max<std::size_t>(8u << 20, 2 * (options.expected.shape.size + 4096) *
                                          options.load.session.max_open_transactions);
  return options;
}

}  // namespace opes::loadgen::tool
