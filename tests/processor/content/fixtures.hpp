#pragma once
// Layouts, messages and drivers shared by the content tests.

#include <doctest/doctest.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/smtp_profile.hpp"
#include "opes/processor/content_layout.hpp"
#include "opes/processor/message_assembler.hpp"
#include "opes/processor/message_splitter.hpp"

namespace opes::processor::test {

using ocp::smtp::AmPart;

inline ContentLayout layout_of(std::vector<AmPart> adaptive, std::vector<AmPart> informative = {},
                               std::vector<std::string> header_list = {}) {
  ocp::smtp::SmtpProfile profile;
  profile.adaptive_parts = std::move(adaptive);
  profile.informative_parts = std::move(informative);
  if (!header_list.empty()) profile.header_list = ocp::smtp::HeaderList{std::move(header_list)};
  auto layout = ContentLayout::from_profile(profile);
  REQUIRE(layout);
  return *layout;
}

/// A plain message with a folded field.
inline const std::string kPlain =
    "From: steve@example.org\r\n"
    "To: sandra@example.com\r\n"
    "Subject: Test\r\n"
    " folded\r\n"
    "\r\n"
    "Hi, this is a test!\r\n";

/// RFC 2046 §5.1.1's example, with CRLFs and a From field.
inline const std::string kMultipart =
    "From: nathaniel@example.org\r\n"
    "Content-Type: multipart/mixed;\r\n"
    " boundary=\"simple boundary\"\r\n"
    "\r\n"
    "This is the preamble.\r\n"
    "--simple boundary\r\n"
    "\r\n"
    "part one\r\n"
    "--simple boundary\r\n"
    "Content-type: text/plain\r\n"
    "\r\n"
    "part two\r\n"
    "--simple boundary--\r\n"
    "This is the epilogue.\r\n";

/// How a message is fed: one chunk, one octet at a time, or random cuts.
enum class Chunking { whole, octets, random };

inline std::vector<std::string_view> chunks_of(std::string_view message, Chunking chunking,
                                               unsigned seed = 7) {
  std::vector<std::string_view> chunks;
  std::mt19937 random(seed);
  while (!message.empty()) {
    std::size_t size = message.size();
    if (chunking == Chunking::octets) size = 1;
    if (chunking == Chunking::random) size = std::min<std::size_t>(size, 1 + random() % 17);
    chunks.push_back(message.substr(0, size));
    message.remove_prefix(size);
  }
  return chunks;
}

inline std::vector<OriginalPiece> split(const ContentLayout& layout, std::string_view message,
                                        Chunking chunking = Chunking::whole,
                                        SplitterLimits limits = {}, unsigned seed = 7) {
  MessageSplitter splitter(layout, limits);
  std::vector<OriginalPiece> pieces;
  for (std::string_view chunk : chunks_of(message, chunking, seed)) {
    REQUIRE(splitter.feed(chunk));
    while (auto piece = splitter.next_piece()) pieces.push_back(std::move(*piece));
  }
  REQUIRE(splitter.finish());
  while (auto piece = splitter.next_piece()) pieces.push_back(std::move(*piece));
  CHECK(splitter.finished());
  return pieces;
}

inline OriginalPiece kept(std::string bytes) {
  return OriginalPiece{std::nullopt, std::move(bytes), false, false};
}
inline OriginalPiece sent(AmPart part, std::string bytes, bool starts, bool adaptive = true) {
  return OriginalPiece{part, std::move(bytes), starts, adaptive};
}

/// Drains an assembler's output.
inline std::string drain(MessageAssembler& assembler) {
  std::string out;
  for (;;) {
    auto chunk = assembler.take_output();
    REQUIRE(chunk);
    if (chunk->empty()) return out;
    out += *chunk;
  }
}

/// What the callout server makes of one adaptive piece: new octets.
using Answerer = std::function<std::string(const OriginalPiece&)>;

inline std::string echo(const OriginalPiece& piece) {
  return piece.bytes;
}

inline std::filesystem::path spill_directory() {
  return std::filesystem::temp_directory_path();
}

/// Splits `message`, sends every adaptive piece back through `answerer`
/// (after the whole original, as the callout server does after the AME),
/// and returns the assembled message.
inline std::string round_trip(const ContentLayout& layout, std::string_view message,
                              const Answerer& answerer = echo, AssemblerLimits limits = {}) {
  const auto pieces = split(layout, message, Chunking::random);
  MessageAssembler assembler(layout, limits, spill_directory());
  std::string out;
  for (const auto& piece : pieces) {
    REQUIRE(assembler.note_original(piece));
    out += drain(assembler);
  }
  REQUIRE(assembler.original_finished());
  for (const auto& piece : pieces) {
    if (!piece.adaptive) continue;
    REQUIRE(assembler.add_answer(*piece.part, answerer(piece), piece.starts_instance));
    out += drain(assembler);
  }
  REQUIRE(assembler.answers_finished());
  out += drain(assembler);
  CHECK(assembler.finished());
  return out;
}

}  // namespace opes::processor::test
