// Throughput of the OCP codec (RFC 4037 §3.1) on one core, printed beside the
// physical limit of touching the same octets once (memchr, memcpy).
//
// A case's round is its work once over input built beforehand. After a
// warm-up, each case gets kRepetitions timed passes of enough rounds to last
// kMinPassSeconds; the table shows the rate of the median pass and of the
// best. Every round checks what it produced (message and octet counts) and
// aborts otherwise, so a codec that stops early cannot look fast.

#include <sched.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/serializer.hpp"
#include "ocp/stream_parser.hpp"

namespace {

constexpr int kRepetitions = 11;
constexpr double kMinPassSeconds = 0.02;

// (a) small control messages
constexpr std::size_t kSmallMixRepeats = 50'000;     // × 8 messages per round
constexpr std::size_t kSmallReadSize = 16u << 10;    // octets per simulated socket read
constexpr std::size_t kWriteBufferSize = 16u << 10;  // serializer output flushed at this size

// (b) bulk data
constexpr std::size_t kBulkPayloadSize = 64u << 10;
constexpr std::size_t kBulkMessages = 256;        // ≈ 16.8 MB per round
constexpr std::size_t kBulkReadSize = 64u << 10;  // octets per simulated socket read

constexpr double kTargetSmallParse = 1'000'000;  // messages/s
constexpr double kTargetBulkRatio = 0.5;         // of memcpy bandwidth

using Clock = std::chrono::steady_clock;

/// Makes `value` and everything reachable from it observable, so the
/// optimiser cannot drop the work that produced it.
template <class T>
void do_not_optimize(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "\nocp_codec_bench: FAILED: %s\n", what.c_str());
  std::fflush(stdout);
  std::abort();
}

void expect_equal(std::size_t got, std::size_t expected, const char* what) {
  if (got != expected) {
    die(std::string(what) + ": got " + std::to_string(got) + ", expected " +
        std::to_string(expected));
  }
}

/// One measured case: `round` does the work once over its input and checks
/// what it produced.
struct Case {
  const char* label;
  std::function<void()> round;
  std::size_t rounds = 1;  // per timed pass, so that a pass lasts kMinPassSeconds
  double median = 0;       // seconds per round
  double best = 0;
};

double seconds_of(const std::function<void()>& work, std::size_t times) {
  const auto start = Clock::now();
  for (std::size_t i = 0; i < times; ++i) work();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Warms every case up and calibrates it, then times the cases interleaved
/// (pass 1 of each, pass 2 of each, ...): a disturbance from the other core
/// then hits a case and its reference alike, which keeps the ratios fair.
void measure(std::vector<Case>& cases) {
  for (Case& c : cases) {
    c.round();  // warm-up: caches, allocator, branch predictors
    const double once = std::max(seconds_of(c.round, 1), 1e-9);
    c.rounds = std::max<std::size_t>(1, static_cast<std::size_t>(kMinPassSeconds / once + 0.5));
  }
  std::vector<std::array<double, kRepetitions>> samples(cases.size());
  for (int pass = 0; pass < kRepetitions; ++pass) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      samples[i][pass] =
          seconds_of(cases[i].round, cases[i].rounds) / static_cast<double>(cases[i].rounds);
    }
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::sort(samples[i].begin(), samples[i].end());
    cases[i].median = samples[i][kRepetitions / 2];
    cases[i].best = samples[i].front();
  }
}

// ---- inputs -----------------------------------------------------------------

std::string with_payload(std::string_view head_and_named, std::string_view payload) {
  return std::string(head_and_named) + std::to_string(payload.size()) + ":" + std::string(payload) +
         "\r\n;\r\n";
}

/// What a processor and a callout server exchange around an SMTP transaction,
/// one of each, in canonical form (serialize() reproduces them exactly).
std::vector<std::string> small_mix() {
  return {
      "TS 12 3;\r\n",
      "AME 12;\r\n",
      "TE 12 {200 OK};\r\n",
      "DWM 12;\r\n",
      "PQ;\r\n",
      "NR\r\nOffer-Pending: true\r\n;\r\n",
      "DUY 12 0 1024;\r\n",
      with_payload("DUM 12 4096\r\nAM-Part: RCPT\r\n\r\n", "RCPT TO:<bob@example.com>\r\n"),
  };
}

std::string pseudo_random_octets(std::size_t size) {
  std::string octets(size, '\0');
  std::uint64_t state = 0x9E3779B97F4A7C15u;
  for (char& octet : octets) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    octet = static_cast<char>(state >> 56);
  }
  return octets;
}

/// One message body cut into consecutive 64 KiB DUMs. The payloads are
/// slices of the body, not one buffer sent repeatedly, so serialize() reads
/// as many distinct octets as the parser does.
std::vector<ocp::Message> bulk_dums() {
  auto body =
      std::make_shared<const std::string>(pseudo_random_octets(kBulkMessages * kBulkPayloadSize));
  std::vector<ocp::Message> dums;
  for (std::size_t i = 0; i < kBulkMessages; ++i) {
    ocp::DataUseMine dum;
    dum.xid = ocp::Xid{12};
    dum.my_offset = static_cast<std::uint32_t>(i * kBulkPayloadSize);
    dum.payload = ocp::SharedBytes(
        body, std::string_view(*body).substr(i * kBulkPayloadSize, kBulkPayloadSize));
    dums.push_back(ocp::encode(dum));
  }
  return dums;
}

/// Parses the whole stream once, untimed, and compares with what it should hold.
void check_stream(std::string_view stream, const std::vector<ocp::Message>& expected) {
  ocp::StreamParser parser;
  auto batch = parser.feed(stream);
  if (batch.error) die("stream does not parse: " + batch.error->describe());
  expect_equal(batch.messages.size(), expected.size(), "messages in the stream");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!(batch.messages[i] == expected[i])) die("message " + std::to_string(i) + " differs");
  }
}

// ---- passes -----------------------------------------------------------------

/// Feeds `stream` through append() in `read_size` chunks, taking every message
/// out with next() and dropping it. Returns how many came out.
template <class OnMessage>
std::size_t parse_appending(std::string_view stream, std::size_t read_size,
                            OnMessage&& on_message) {
  ocp::StreamParser parser;
  std::size_t messages = 0;
  for (std::size_t at = 0; at < stream.size(); at += read_size) {
    parser.append(stream.substr(at, read_size));
    for (;;) {
      auto step = parser.next();
      if (!step) die("parse error: " + step.error().describe());
      if (!*step) break;
      on_message(**step);
      ++messages;
    }
  }
  if (auto error = parser.finish()) die("stream ended early: " + error->describe());
  return messages;
}

/// As a socket reader would: prepare() space, read into it, commit(). The
/// read is a memcpy of at most `read_size` octets into the prepared span,
/// which is what recv(fd, span.data(), min(span.size(), read_size)) does to
/// the parser's memory when that many octets are waiting.
std::size_t parse_reading(std::string_view stream, std::size_t read_size) {
  ocp::StreamParser parser;
  std::size_t messages = 0;
  std::size_t at = 0;
  while (at < stream.size()) {
    const std::span<char> space = parser.prepare(read_size);
    const std::size_t received = std::min({space.size(), read_size, stream.size() - at});
    std::memcpy(space.data(), stream.data() + at, received);
    parser.commit(received);
    at += received;
    for (;;) {
      auto step = parser.next();
      if (!step) die("parse error: " + step.error().describe());
      if (!*step) break;
      do_not_optimize(**step);
      ++messages;
    }
  }
  if (auto error = parser.finish()) die("stream ended early: " + error->describe());
  return messages;
}

/// memchr for an octet the stream does not hold, read by read: every octet
/// looked at once, nothing written.
std::size_t memchr_pass(std::string_view stream, std::size_t read_size, char absent) {
  std::size_t scanned = 0;
  for (std::size_t at = 0; at < stream.size(); at += read_size) {
    const std::size_t size = std::min(read_size, stream.size() - at);
    const void* found = std::memchr(stream.data() + at, absent, size);
    do_not_optimize(found);
    if (found != nullptr) die("memchr found the absent octet");
    scanned += size;
  }
  return scanned;
}

/// memcpy of the stream, read by read, into one reused buffer: the single
/// copy a socket read makes.
std::size_t memcpy_pass(std::string_view stream, std::size_t read_size, std::vector<char>& buffer) {
  std::size_t copied = 0;
  for (std::size_t at = 0; at < stream.size(); at += read_size) {
    const std::size_t size = std::min(read_size, stream.size() - at);
    std::memcpy(buffer.data(), stream.data() + at, size);
    do_not_optimize(buffer);
    copied += size;
  }
  return copied;
}

// ---- report -----------------------------------------------------------------

std::string scaled(double value, const char* unit) {
  static constexpr std::array<const char*, 5> kPrefixes{"", "k", "M", "G", "T"};
  std::size_t prefix = 0;
  while (value >= 1000 && prefix + 1 < kPrefixes.size()) {
    value /= 1000;
    ++prefix;
  }
  char text[48];
  std::snprintf(text, sizeof text, "%7.2f %s%s", value, kPrefixes[prefix], unit);
  return text;
}

/// What one round of a section's cases processes.
struct Work {
  double units;        // the section's main unit (messages or octets)
  double other_units;  // the other one
  const char* unit;
  const char* other_unit;
};

void print_header(const Work& work, const char* reference) {
  std::printf("  %-42s %14s %14s %14s %9s\n", "case", (std::string(work.unit) + " median").c_str(),
              "best", (std::string(work.other_unit) + " med.").c_str(), reference);
  std::printf("  %s\n", std::string(97, '-').c_str());
}

/// One row: rates in the main unit (median pass, best pass), the other unit
/// at the median, and the median rate as a multiple of the reference case's.
void print_row(const Case& c, const Work& work, const Case& reference) {
  const double ratio = reference.median / c.median;
  std::printf(
      "  %-42s %14s %14s %14s %8.*fx\n", c.label, scaled(work.units / c.median, work.unit).c_str(),
      scaled(work.units / c.best, work.unit).c_str(),
      scaled(work.other_units / c.median, work.other_unit).c_str(), ratio < 0.1 ? 4 : 2, ratio);
}

const char* verdict(bool met) {
  return met ? "MET" : "MISSED";
}

void pin_to_current_core() {
  const int cpu = sched_getcpu();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) CPU_SET(cpu, &set);
  if (cpu < 0 || sched_setaffinity(0, sizeof set, &set) != 0) {
    std::printf("note: could not pin to one CPU; figures may be noisier\n");
  } else {
    std::printf("pinned to CPU %d, one thread\n", cpu);
  }
}

}  // namespace

int main() {
  std::printf("ocp_codec_bench: OCP Core codec throughput on one core\n");
  std::printf("g++ %s, %s\n", __VERSION__,
#ifdef NDEBUG
              "NDEBUG"
#else
              "assertions ON: not a release build, figures are not representative"
#endif
  );
  pin_to_current_core();
  std::printf(
      "per case: warm-up, then %d timed passes of >= %.0f ms each, interleaved with the\n"
      "other cases of its section; rates of the median pass and of the best pass\n\n",
      kRepetitions, kMinPassSeconds * 1e3);

  // ---- (a) small control messages ------------------------------------------
  const std::vector<std::string> mix_wire = small_mix();
  std::vector<ocp::Message> mix;
  std::size_t mix_size = 0;
  for (const std::string& wire : mix_wire) {
    auto parsed = ocp::parse_message(wire);
    if (!parsed) die("mix message does not parse: " + parsed.error().describe());
    if (ocp::serialize(*parsed) != wire) die("mix message is not canonical: " + wire);
    mix.push_back(std::move(*parsed));
    mix_size += wire.size();
  }
  std::string small_stream;
  small_stream.reserve(kSmallMixRepeats * mix_size);
  for (std::size_t repeat = 0; repeat < kSmallMixRepeats; ++repeat) {
    for (const std::string& wire : mix_wire) small_stream += wire;
  }
  std::vector<ocp::Message> two_rounds = mix;
  two_rounds.insert(two_rounds.end(), mix.begin(), mix.end());
  check_stream(std::string_view(small_stream).substr(0, 2 * mix_size), two_rounds);
  const std::size_t small_count = kSmallMixRepeats * mix.size();
  constexpr char kAbsentOctet = '\xFF';
  if (small_stream.find(kAbsentOctet) != std::string::npos) die("the memchr octet occurs");

  std::string write_buffer;
  write_buffer.reserve(kWriteBufferSize + 1024);
  std::vector<Case> small{
      {"parse: append() + next()",
       [&] {
         expect_equal(parse_appending(small_stream, kSmallReadSize,
                                      [](const ocp::Message& m) { do_not_optimize(m); }),
                      small_count, "parsed small messages");
       }},
      {"parse + decode() to typed (for reference)",
       [&] {
         expect_equal(parse_appending(small_stream, kSmallReadSize,
                                      [](const ocp::Message& m) {
                                        auto typed = ocp::decode(m);
                                        if (!typed) die("decode: " + typed.error().describe());
                                        do_not_optimize(*typed);
                                      }),
                      small_count, "parsed and decoded small messages");
       }},
      {"serialize() into a reused std::string",
       [&] {
         std::size_t written = 0;
         std::size_t next = 0;
         for (std::size_t i = 0; i < small_count; ++i) {
           ocp::serialize(mix[next], write_buffer);
           if (++next == mix.size()) next = 0;
           if (write_buffer.size() >= kWriteBufferSize) {  // as a send() would
             do_not_optimize(write_buffer);
             written += write_buffer.size();
             write_buffer.clear();
           }
         }
         do_not_optimize(write_buffer);
         written += write_buffer.size();
         write_buffer.clear();
         expect_equal(written, small_stream.size(), "serialized octets");
       }},
      {"memchr over the same octets (limit)",
       [&] {
         expect_equal(memchr_pass(small_stream, kSmallReadSize, kAbsentOctet), small_stream.size(),
                      "memchr octets");
       }},
  };
  measure(small);
  const Case& small_memchr = small.back();

  const double small_bytes = static_cast<double>(small_stream.size());
  const Work small_work{static_cast<double>(small_count), small_bytes, "msg/s", "B/s"};
  std::printf(
      "(a) small control messages, %zu per round (%.2f MB, %.1f octets each on average):\n"
      "    TS, AME, TE {200 OK}, DWM, PQ, NR Offer-Pending, DUY, DUM with AM-Part: RCPT\n"
      "    and a %zu-octet payload, in turn; parsed from %zu KiB append()s; serialized\n"
      "    into a buffer emptied at %zu KiB; memchr looks for an absent octet\n"
      "    (its msg/s: the same octets at the average message size)\n",
      small_count, small_bytes / 1e6, small_bytes / static_cast<double>(small_count),
      mix.back().payload->size(), kSmallReadSize >> 10, kWriteBufferSize >> 10);
  print_header(small_work, "/memchr");
  for (const Case& c : small) print_row(c, small_work, small_memchr);
  std::printf("\n");

  // ---- (b) 64 KiB DUMs ------------------------------------------------------
  const std::vector<ocp::Message> dums = bulk_dums();
  std::string bulk_stream;
  bulk_stream.reserve(kBulkMessages * (kBulkPayloadSize + 64));
  for (const ocp::Message& dum : dums) ocp::serialize(dum, bulk_stream);
  check_stream(bulk_stream, dums);

  std::vector<char> copy_buffer(kBulkReadSize);
  std::string out;
  out.reserve(kBulkPayloadSize + 64);
  std::string head;
  std::vector<Case> bulk{
      {"parse: append() + next()",
       [&] {
         expect_equal(parse_appending(bulk_stream, kBulkReadSize,
                                      [](const ocp::Message& m) {
                                        if (m.payload->size() != kBulkPayloadSize) {
                                          die("payload size");
                                        }
                                        do_not_optimize(m);
                                      }),
                      kBulkMessages, "parsed DUMs");
       }},
      {"parse: prepare() + read (memcpy) + commit()",
       [&] {
         expect_equal(parse_reading(bulk_stream, kBulkReadSize), kBulkMessages, "parsed DUMs");
       }},
      {"serialize() (copies the payload)",
       [&] {
         std::size_t written = 0;
         for (const ocp::Message& dum : dums) {
           out.clear();
           ocp::serialize(dum, out);
           do_not_optimize(out);
           written += out.size();
         }
         expect_equal(written, bulk_stream.size(), "serialized octets");
       }},
      {"serialize_gather() (zero-copy, 3 buffers)",
       [&] {
         std::size_t referenced = 0;
         for (const ocp::Message& dum : dums) {
           const auto buffers = ocp::serialize_gather(dum, head);
           do_not_optimize(buffers);
           referenced += buffers[0].size() + buffers[1].size() + buffers[2].size();
         }
         expect_equal(referenced, bulk_stream.size(), "gathered octets");
       }},
      {"memcpy of the same octets (limit)",
       [&] {
         expect_equal(memcpy_pass(bulk_stream, kBulkReadSize, copy_buffer), bulk_stream.size(),
                      "memcpy octets");
       }},
  };
  measure(bulk);
  const Case& bulk_memcpy = bulk.back();

  const double bulk_bytes = static_cast<double>(bulk_stream.size());
  const Work bulk_work{bulk_bytes, static_cast<double>(kBulkMessages), "B/s", "msg/s"};
  std::printf(
      "(b) bulk data, %zu DUMs with %zu KiB payloads per round (%.2f MB):\n"
      "    parsed from reads of %zu KiB; prepare()/commit() reads by memcpy into the\n"
      "    prepared span, which is what recv() into that span does to memory;\n"
      "    serialize_gather() counts the octets of its 3 buffers, none touched;\n"
      "    memcpy copies the same octets, %zu KiB at a time, into one reused buffer\n",
      kBulkMessages, kBulkPayloadSize >> 10, bulk_bytes / 1e6, kBulkReadSize >> 10,
      kBulkReadSize >> 10);
  print_header(bulk_work, "/memcpy");
  for (const Case& c : bulk) print_row(c, bulk_work, bulk_memcpy);
  std::printf("\n");

  // ---- targets --------------------------------------------------------------
  const double small_rate = static_cast<double>(small_count) / small.front().median;
  const double append_ratio = bulk_memcpy.median / bulk[0].median;
  const double read_ratio = bulk_memcpy.median / bulk[1].median;
  std::printf("targets (median passes):\n");
  std::printf("  small messages parsed >= 1,000,000 msg/s: %s (%.2f M msg/s)\n",
              verdict(small_rate >= kTargetSmallParse), small_rate / 1e6);
  std::printf(
      "  64 KiB DUMs parsed >= 0.5 x memcpy: append() %s (%.2fx), "
      "prepare()/commit() %s (%.2fx)\n",
      verdict(append_ratio >= kTargetBulkRatio), append_ratio,
      verdict(read_ratio >= kTargetBulkRatio), read_ratio);
  return 0;
}
