// libFuzzer target for the OCP codec: the stream parser must never crash,
// hang or disagree with itself, and whatever it accepts must survive a
// serialise/parse/decode/encode round trip unchanged.
//
// Input layout: the first octet chooses the chunk size and the reading
// options; the rest is the OCP byte stream.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/serializer.hpp"
#include "ocp/stream_parser.hpp"
#include "support/parsing.hpp"

namespace {

[[noreturn]] void violated(const char* property) {
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}

void check_round_trip(const ocp::Message& message, const ocp::ParseOptions& options) {
  const std::string bytes = ocp::serialize(message);
  auto reparsed = ocp::parse_message(bytes, options);
  if (!reparsed) violated("serialised message does not parse");
  if (!(*reparsed == message)) violated("parse(serialize(m)) != m");
  if (ocp::serialize(*reparsed) != bytes) violated("serialisation is not canonical");

  for (bool legacy : {false, true}) {
    ocp::DecodeOptions decode_options;
    decode_options.legacy_am_id = legacy;
    auto typed = ocp::decode(message, decode_options);
    if (!typed) continue;
    const ocp::Message encoded = ocp::encode(*typed);
    auto again = ocp::decode(encoded, decode_options);
    if (!again) violated("encode() produced a message decode() refuses");
    if (!(*again == *typed)) violated("decode(encode(t)) != t");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  ocp::ParseOptions options;
  options.spaces_inside_braces = (control & 0x40) != 0;
  options.multi_value_kept = (control & 0x80) == 0;
  options.limits.max_depth = 8;
  options.limits.max_values = 512;
  const std::size_t chunk = 1 + (control & 0x3f);

  const auto whole = ocp::test::parse_stream(stream, SIZE_MAX, options);
  const auto pieces = ocp::test::parse_stream(stream, chunk, options);
  if (!(whole.messages == pieces.messages)) violated("chunking changed the messages");
  if (whole.error.has_value() != pieces.error.has_value()) violated("chunking changed the verdict");
  if (whole.error && whole.error->offset != pieces.error->offset) violated("chunking moved the error");
  if (whole.error && whole.error->offset > stream.size()) violated("error offset beyond the input");

  for (const ocp::Message& message : whole.messages) check_round_trip(message, options);
  return 0;
}
