// Message content fuzzer (opes::processor_content): arbitrary octets as the
// message content, a content layout chosen by the first input octet,
// the chunking and piece size by the second. Properties, each aborting on
// failure:
//   1. the pieces concatenated are the message, and do not depend on the
//      chunking;
//   2. every adaptive piece answered with its own octets, the assembled
//      message equals the input exactly (kept octets spilled past a small
//      memory limit);
//   3. the header prepender inserts exactly its fields' octets, at the top
//      when only added fields are given.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/smtp_profile.hpp"
#include "opes/processor/content_layout.hpp"
#include "opes/processor/header_prepender.hpp"
#include "opes/processor/message_assembler.hpp"
#include "opes/processor/message_splitter.hpp"

namespace {

using ocp::smtp::AmPart;
using namespace opes::processor;

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "message_content_fuzz: %s\n", what);
    std::abort();
  }
}

ContentLayout layout_number(unsigned n) {
  ocp::smtp::SmtpProfile profile;
  switch (n % 10) {
    case 0:
      profile.adaptive_parts = {AmPart::rawdata};
      break;
    case 1:
      profile.adaptive_parts = {AmPart::allheaders, AmPart::body};
      break;
    case 2:
      profile.adaptive_parts = {AmPart::singleheaders, AmPart::body};
      profile.header_list = ocp::smtp::HeaderList{{"Subject", "content-type"}};
      break;
    case 3:
      profile.adaptive_parts = {AmPart::singleheaders, AmPart::sections};
      profile.header_list = ocp::smtp::HeaderList{{"*"}};
      break;
    case 4:
      profile.adaptive_parts = {AmPart::allheaders, AmPart::sections};
      break;
    case 5:
      profile.adaptive_parts = {AmPart::body};
      profile.informative_parts = {AmPart::allheaders};
      break;
    case 6:
      profile.adaptive_parts = {AmPart::allheaders};
      break;
    case 7:
      profile.adaptive_parts = {AmPart::sections};
      profile.informative_parts = {AmPart::singleheaders};
      profile.header_list = ocp::smtp::HeaderList{{"*"}};
      break;
    case 8:
      profile.informative_parts = {AmPart::allheaders, AmPart::sections};
      break;
    default:
      profile.adaptive_parts = {AmPart::mail};
      break;
  }
  auto layout = ContentLayout::from_profile(profile);
  require(layout.has_value(), "a fuzz layout is refused");
  return *layout;
}

/// A small deterministic generator for chunk sizes.
struct Cuts {
  std::uint32_t state;
  std::size_t next(std::size_t left) {
    state = state * 1103515245u + 12345u;
    return std::min<std::size_t>(left, 1 + (state >> 16) % 97);
  }
};

bool split(const ContentLayout& layout, const SplitterLimits& limits, std::string_view message,
           Cuts* cuts, std::vector<OriginalPiece>& pieces) {
  MessageSplitter splitter(layout, limits);
  while (!message.empty()) {
    const std::size_t size = cuts ? cuts->next(message.size()) : message.size();
    if (!splitter.feed(message.substr(0, size))) return false;
    message.remove_prefix(size);
    while (auto piece = splitter.next_piece()) pieces.push_back(std::move(*piece));
  }
  if (!splitter.finish()) return false;
  while (auto piece = splitter.next_piece()) pieces.push_back(std::move(*piece));
  require(splitter.finished(), "splitter not finished after finish()");
  return true;
}

std::string drain(MessageAssembler& assembler) {
  std::string out;
  for (;;) {
    auto chunk = assembler.take_output();
    require(chunk.has_value(), "take_output failed");
    if (chunk->empty()) return out;
    out += *chunk;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const ContentLayout layout = layout_number(data[0]);
  const std::uint8_t knobs = data[1];
  const std::string_view message(reinterpret_cast<const char*>(data + 2), size - 2);

  SplitterLimits limits;
  limits.max_piece = (knobs & 0x40) ? std::size_t{64} << 10 : 1 + knobs % 61;
  limits.max_header_field = (knobs & 0x20) ? 4096 : std::size_t{64} << 10;

  std::vector<OriginalPiece> pieces;
  Cuts cuts{knobs * 2654435761u};
  const bool accepted = split(layout, limits, message, &cuts, pieces);
  std::vector<OriginalPiece> whole;
  require(split(layout, limits, message, nullptr, whole) == accepted,
          "chunking changes whether the message is accepted");
  if (!accepted) return 0;
  require(pieces == whole, "chunking changes the pieces");
  std::string joined;
  for (const auto& piece : pieces) {
    require(piece.bytes.size() <= limits.max_piece || piece.part == AmPart(AmPart::singleheaders),
            "a piece is larger than max_piece");
    joined += piece.bytes;
  }
  require(joined == message, "the pieces are not the message");

  AssemblerLimits assembler_limits;
  assembler_limits.spill_memory = 1024;
  assembler_limits.max_output_chunk = 1 + knobs % 300;
  MessageAssembler assembler(layout, assembler_limits, std::filesystem::temp_directory_path());
  std::string out;
  for (const auto& piece : pieces) {
    require(assembler.note_original(piece).has_value(), "note_original refused a piece");
    out += drain(assembler);
  }
  require(assembler.original_finished().has_value(), "original_finished failed");
  for (const auto& piece : pieces) {
    if (!piece.adaptive) continue;
    require(assembler.add_answer(*piece.part, piece.bytes, piece.starts_instance).has_value(),
            "an unchanged answer is refused");
    out += drain(assembler);
  }
  require(assembler.answers_finished().has_value(), "answers_finished failed");
  out += drain(assembler);
  require(assembler.finished(), "assembler not finished");
  require(out == message, "the assembled message differs from the original");

  HeaderInsertion insertion;
  insertion.added = {{"X-Fuzz", " 1"}};
  if (knobs & 0x80) {
    insertion.received = {{"Received", " from fuzz"}};
    insertion.opes_trace = {{"OPES-System", " http://fuzz.example/"}};
  }
  HeaderPrepender prepender(insertion);
  std::string prepended;
  Cuts output_cuts{knobs + 1u};
  std::string_view rest = out;
  bool ok = true;
  while (ok && !rest.empty()) {
    const std::size_t n = output_cuts.next(rest.size());
    ok = prepender.feed(rest.substr(0, n)).has_value();
    rest.remove_prefix(n);
    prepended += prepender.take_output();
  }
  if (ok && prepender.finish()) {
    prepended += prepender.take_output();
    if (knobs & 0x80) {
      require(prepended.size() == out.size() + 67, "the prepender changed the message");
    } else {
      require(prepended == "X-Fuzz: 1\r\n" + out, "added fields are not at the top");
    }
  }
  return 0;
}
