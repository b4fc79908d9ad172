// The hold queue's record parser (parse_record) on any bytes, with small
// limits so that they are reached too. A record that parses must serialize,
// and parse again to the same record (compared by its serialized text).
// Must not crash; no asserts beyond that round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "opes/queue/held_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace opes::queue;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  RecordLimits limits;
  limits.max_size = 16384;
  limits.max_line = 512;
  limits.max_recipients = 20;
  auto parsed = parse_record(input, limits);
  if (!parsed) return 0;
  auto text = serialize_record(*parsed);
  if (!text) std::abort();  // whatever parses must serialize
  // The serialized text is never longer than the input (keys in canonical
  // form, no empty Recipient-DSN), so the same limits apply.
  auto again = parse_record(*text, limits);
  if (!again) std::abort();
  auto text_again = serialize_record(*again);
  if (!text_again || *text_again != *text) std::abort();
  return 0;
}
