#pragma once
// draft-ietf-opes-smtp-00 §3.1, §3.2.5, §3.3.1: the original message content
// dot-unstuffed, CRLF line ends, no final "." line) cut into the
// content am-parts a ContentLayout asks for. Sans-I/O: chunks of any size
// in, pieces out; the pieces do not depend on the chunking.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/processor/content_error.hpp"
#include "opes/processor/content_layout.hpp"
#include "opes/processor/mime_boundary.hpp"
#include "opes/processor/original_piece.hpp"

namespace opes::processor {

namespace detail {
class PieceCutter;  // src/piece_cutter.hpp
}  // namespace detail

struct SplitterLimits {
  /// The header section, its empty line included; larger messages are
  /// refused, whatever the layout (kept whole or RAWDATA: only measured).
  std::size_t max_header_section = std::size_t{1} << 20;
  /// One header field, folded lines and CRLF included.
  std::size_t max_header_field = std::size_t{64} << 10;
  /// One piece: one DUM's payload (the OCP side sends at most 64 KiB).
  std::size_t max_piece = std::size_t{64} << 10;
};

class MessageSplitter {
 public:
  explicit MessageSplitter(ContentLayout layout, SplitterLimits limits = {});
  ~MessageSplitter();
  MessageSplitter(MessageSplitter&&) noexcept;
  MessageSplitter& operator=(MessageSplitter&&) noexcept;

  /// More of the message. After an error every call returns it again.
  ocp::Expected<void, ContentError> feed(std::string_view chunk);
  /// The end of the message: the last pieces become ready, and the parts
  /// that had no octets still get one empty instance (P-8).
  ocp::Expected<void, ContentError> finish();

  /// The next piece in message order, or nullopt until more is fed. Pieces
  /// of RAWDATA, BODY and SECTIONS are cut at max_piece; header fields are
  /// held until complete.
  std::optional<OriginalPiece> next_piece();

  /// finish() was called and every piece taken.
  bool finished() const noexcept;
  /// The octets fed so far.
  std::uint64_t octets() const noexcept { return octets_; }

 private:
  enum class Stage : std::uint8_t { whole, header, body, done };

  ocp::Expected<void, ContentError> fail(ContentError error);
  std::size_t feed_header(std::string_view chunk);
  void end_header_section(bool with_empty_line);
  void route_field(std::string_view field);
  void feed_body(std::string_view chunk);
  /// Whole or RAWDATA: measures the header section against its limit.
  void measure_header(std::string_view chunk);
  void feed_sections(std::string_view chunk);
  void add_section_octets(std::string_view octets);

  ContentLayout layout_;
  SplitterLimits limits_;
  std::unique_ptr<detail::PieceCutter> cutter_;
  std::optional<ContentError> error_;
  Stage stage_ = Stage::whole;
  std::uint64_t octets_ = 0;
  bool started_ = false;  // the whole/header/body instance has begun

  // Header section scanning (RFC 5322 §2.1, §2.2.3).
  std::string field_;  // the field being read, with the start of the next line
  std::size_t header_octets_ = 0;
  bool line_start_ = true;
  bool prev_cr_ = false;
  bool maybe_empty_line_ = false;
  bool content_type_seen_ = false;
  // Whole or RAWDATA: how much of CR LF CR LF has been seen (the message's
  // start counts as a CR LF, RFC 5322 §2.1); 4 once the section has ended.
  unsigned header_end_match_ = 2;

  // Body: SECTIONS (RFC 2046 §5.1.1, P-4).
  std::optional<DelimiterLineMatcher> delimiter_;  // set for a multipart body
  std::string candidate_;                          // a line that may be a delimiter line
  bool close_seen_ = false;
};

}  // namespace opes::processor
