// ocpdump: prints every OCP message of a recorded or piped byte stream, for
// debugging OCP traffic. RFC 4037 §15.1 forbids extensions to change the
// message format, so the dump works for any profile's messages.
//
// Input is read with read(2) straight into the parser's buffer, so a pipe
// from live traffic is dumped as it arrives rather than at end of input.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "message_json.hpp"
#include "ocp/catalog.hpp"
#include "ocp/serializer.hpp"
#include "ocp/stream_parser.hpp"

#ifndef OCPDUMP_VERSION
#define OCPDUMP_VERSION "unknown"
#endif

namespace {

constexpr int kExitSuccess = 0;
constexpr int kExitParseError = 1;
constexpr int kExitUsageOrIo = 2;

constexpr std::size_t kDefaultChunkSize = 64u << 10;
// The parser buffers at least one chunk, so the chunk size bounds memory.
constexpr std::size_t kMaxChunkSize = 64u << 20;

constexpr std::string_view kUsage =
    "Usage: ocpdump [--format json|ocp] [--legacy-am-id] [--lenient-braces] [--chunk N] [FILE|-]\n"
    "       ocpdump --help | --version\n"
    "\n"
    "Prints each OCP (RFC 4037) message of a byte stream. Reads standard input when\n"
    "FILE is absent or '-'.\n"
    "\n"
    "  --format json     one JSON object per message and line (default): stream offset,\n"
    "                    size, name, anonymous and named parameters, payload, and the\n"
    "                    message's typed check against the RFC 4037 catalog\n"
    "  --format ocp      each message in canonical RFC 4037 encoding\n"
    "  --legacy-am-id    check DUM, AMS and AME as the drafts print them, with an\n"
    "                    am-id after the xid (`DUM xid am-id offset`)\n"
    "  --lenient-braces  accept one space after '{' and before '}' (`{ 200 OK }`)\n"
    "  --chunk N         read and parse N octets at a time (default 65536, at most\n"
    "                    67108864); --chunk 1 checks octet-at-a-time parsing\n"
    "  --help            print this help and exit\n"
    "  --version         print the version and exit\n"
    "\n"
    "Exit status: 0 when the whole stream parsed; 1 on a parse error, reported on\n"
    "stderr as 'ocpdump: FILE: offset N: reason' (messages before it are printed);\n"
    "2 on a usage or I/O error. A message failing its catalog check is reported in\n"
    "its JSON line and does not change the exit status.\n";

enum class Format { json, ocp };

struct Options {
  Format format = Format::json;
  ocp::ParseOptions parse;
  ocp::DecodeOptions decode;
  std::size_t chunk_size = kDefaultChunkSize;
  std::string path = "-";
};

enum class Action { dump, help, version };

struct CommandLine {
  Action action = Action::dump;
  Options options;
};

struct UsageError {
  std::string reason;
};

bool parse_chunk_size(std::string_view text, std::size_t& size) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, size);
  return error == std::errc() && stop == end && size >= 1 && size <= kMaxChunkSize;
}

ocp::Expected<CommandLine, UsageError> parse_command_line(int argc, char** argv) {
  CommandLine command;
  Options& options = command.options;
  bool have_path = false;
  bool only_operands = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    const bool is_option = !only_operands && argument.size() > 1 && argument.front() == '-';
    if (!is_option) {
      if (have_path) return ocp::unexpected(UsageError{"more than one input file"});
      options.path = argument;
      have_path = true;
      continue;
    }
    if (argument == "--") {
      only_operands = true;
      continue;
    }
    // "--name=value" and "--name value" both work for options with a value.
    std::string_view name = argument;
    std::optional<std::string_view> inline_value;
    if (const auto equals = argument.find('='); equals != std::string_view::npos) {
      name = argument.substr(0, equals);
      inline_value = argument.substr(equals + 1);
    }
    auto take_value = [&]() -> std::optional<std::string_view> {
      if (inline_value) return inline_value;
      if (i + 1 < argc) return std::string_view(argv[++i]);
      return std::nullopt;
    };
    const bool takes_value = name == "--format" || name == "--chunk";
    if (inline_value && !takes_value) {
      return ocp::unexpected(UsageError{"option '" + std::string(name) + "' takes no value"});
    }
    if (name == "--help") {
      command.action = Action::help;
      return command;
    }
    if (name == "--version") {
      command.action = Action::version;
      return command;
    }
    if (name == "--legacy-am-id") {
      options.decode.legacy_am_id = true;
    } else if (name == "--lenient-braces") {
      options.parse.spaces_inside_braces = true;
    } else if (name == "--format") {
      const auto value = take_value();
      if (!value) return ocp::unexpected(UsageError{"option '--format' needs json or ocp"});
      if (*value == "json") {
        options.format = Format::json;
      } else if (*value == "ocp") {
        options.format = Format::ocp;
      } else {
        return ocp::unexpected(
            UsageError{"unknown format '" + std::string(*value) + "' (json or ocp)"});
      }
    } else if (name == "--chunk") {
      const auto value = take_value();
      if (!value || !parse_chunk_size(*value, options.chunk_size)) {
        return ocp::unexpected(
            UsageError{"option '--chunk' needs a size from 1 to " + std::to_string(kMaxChunkSize)});
      }
    } else {
      return ocp::unexpected(UsageError{"unknown option '" + std::string(argument) + "'"});
    }
  }
  return command;
}

/// Standard output through stdio's buffer; a failed write is remembered and
/// turned into exit status 2 at the end, not ignored.
class Output {
 public:
  void write(std::string_view octets) {
    if (!octets.empty() && std::fwrite(octets.data(), 1, octets.size(), stdout) != octets.size()) {
      failed_ = true;
    }
  }
  void flush() {
    if (std::fflush(stdout) != 0) failed_ = true;
  }
  bool failed() const { return failed_ || std::ferror(stdout) != 0; }

 private:
  bool failed_ = false;
};

class MessagePrinter {
 public:
  MessagePrinter(const Options& options, Output& output) : options_(options), output_(output) {}

  void print(const ocp::Message& message, std::uint64_t offset, std::uint64_t size) {
    if (options_.format == Format::ocp) {
      // Scatter-gather, so a large payload is written without being copied.
      for (std::string_view part : ocp::serialize_gather(message, head_)) output_.write(part);
      return;
    }
    ocp::tools::Json line{{"offset", offset}, {"size", size}};
    line.update(ocp::tools::message_to_json(message));
    line["catalog"] = ocp::tools::catalog_check_to_json(message, options_.decode);
    line_ = line.dump();
    line_ += '\n';
    output_.write(line_);
  }

 private:
  const Options& options_;
  Output& output_;
  std::string head_;  // reused between messages
  std::string line_;
};

void report(std::string_view source, std::string_view what) {
  std::fprintf(stderr, "ocpdump: %.*s: %.*s\n", static_cast<int>(source.size()), source.data(),
               static_cast<int>(what.size()), what.data());
}

/// Reads `fd` to its end, printing each message as soon as it is complete.
int dump_stream(int fd, std::string_view source, const Options& options) {
  ocp::StreamParser parser(options.parse);
  Output output;
  MessagePrinter printer(options, output);
  for (;;) {
    const std::span<char> space = parser.prepare(options.chunk_size);
    const std::size_t wanted = std::min(space.size(), options.chunk_size);
    const ssize_t received = ::read(fd, space.data(), wanted);
    if (received < 0) {
      if (errno == EINTR) continue;
      output.flush();
      report(source, std::strerror(errno));
      return kExitUsageOrIo;
    }
    if (received == 0) break;
    parser.commit(static_cast<std::size_t>(received));
    for (;;) {
      const std::uint64_t offset = parser.consumed();
      auto step = parser.next();
      if (!step) {
        // Messages before the error are already printed; keep them ahead of the report.
        output.flush();
        report(source, step.error().describe());
        return output.failed() ? kExitUsageOrIo : kExitParseError;
      }
      if (!*step) break;
      printer.print(**step, offset, parser.consumed() - offset);
    }
    output.flush();
    if (output.failed()) {
      report("<stdout>", "write error");
      return kExitUsageOrIo;
    }
  }
  if (const auto error = parser.finish()) {
    report(source, error->describe());
    return kExitParseError;
  }
  return kExitSuccess;
}

int run(int argc, char** argv) {
  auto command = parse_command_line(argc, argv);
  if (!command) {
    std::fprintf(stderr, "ocpdump: %s\nTry 'ocpdump --help'.\n", command.error().reason.c_str());
    return kExitUsageOrIo;
  }
  switch (command->action) {
    case Action::help:
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return std::fflush(stdout) == 0 ? kExitSuccess : kExitUsageOrIo;
    case Action::version:
      std::printf("ocpdump (OPES-SMTP) %s\n", OCPDUMP_VERSION);
      return std::fflush(stdout) == 0 ? kExitSuccess : kExitUsageOrIo;
    case Action::dump:
      break;
  }
  const Options& options = command->options;
  if (options.path == "-") return dump_stream(STDIN_FILENO, "<stdin>", options);
  const int fd = ::open(options.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    report(options.path, std::strerror(errno));
    return kExitUsageOrIo;
  }
  const int status = dump_stream(fd, options.path, options);
  ::close(fd);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "ocpdump: %s\n", failure.what());
    return kExitUsageOrIo;
  }
}
