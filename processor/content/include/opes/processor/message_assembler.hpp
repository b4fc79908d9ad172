#pragma once
// The adapted message put back together (P-11): the callout server's answers
// at the places of the adaptive part instances, and the octets the processor
// kept (parts not sent, informative parts, header fields not requested, the
// header section's empty line) at theirs. Sans-I/O: pieces and answers in,
// output octets out, in message order, as soon as they are known.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "ocp/smtp/am_part.hpp"
#include "opes/processor/content_error.hpp"
#include "opes/processor/content_layout.hpp"
#include "opes/processor/original_piece.hpp"
#include "opes/processor/spill_buffer.hpp"

namespace opes::processor {

struct AssemblerLimits {
  /// Octets one held region keeps in memory before it spills to its file.
  std::size_t spill_memory = std::size_t{1} << 20;
  /// One SINGLEHEADERS answer (one DUM's payload, smtp §3.3.1).
  std::size_t max_single_header_answer = std::size_t{64} << 10;
  /// The most take_output() returns at once.
  std::size_t max_output_chunk = std::size_t{64} << 10;
};

class MessageAssembler {
 public:
  MessageAssembler(ContentLayout layout, AssemblerLimits limits,
                   std::filesystem::path spill_directory);

  /// Each piece the splitter produced, in its order. Kept and informative
  /// octets are held or streamed; adaptive octets are dropped (their answer
  /// replaces them).
  ocp::Expected<void, ContentError> note_original(const OriginalPiece& piece);
  ocp::Expected<void, ContentError> original_finished();

  /// One adapted DUM's payload (or a slice of it). `starts_instance` begins
  /// the answer of the next SINGLEHEADERS field; for RAWDATA, ALLHEADERS and
  /// BODY it may only be set on the first answer of the part (P-12). All
  /// SECTIONS answers together are the new body, however they are cut.
  ocp::Expected<void, ContentError> add_answer(const ocp::smtp::AmPart& part,
                                               std::string_view bytes, bool starts_instance);
  /// The callout server's AME: every adaptive instance must have its answer.
  ocp::Expected<void, ContentError> answers_finished();

  /// The next output octets (at most max_output_chunk); empty when none are
  /// known yet. After an error every call returns it again.
  ocp::Expected<std::string, ContentError> take_output();
  /// Every octet of the adapted message has been taken.
  bool finished() const noexcept;

  /// Octets written to spill files so far.
  std::uint64_t spilled_octets() const noexcept;

 private:
  /// A stretch of the output: octets the processor kept, or the answer to
  /// one adaptive instance (to all SECTIONS).
  struct Slot {
    std::uint64_t id = 0;
    std::optional<ocp::smtp::AmPart> answers;  // nullopt: kept octets
    SpillBuffer held;
    bool complete = false;  // nothing more comes into it
  };

  ocp::Expected<void, ContentError> fail(ContentError error);
  ocp::Expected<void, ContentError> hold(Slot& slot, std::string_view bytes);
  Slot& slot(std::uint64_t id);
  Slot& new_slot(std::optional<ocp::smtp::AmPart> answers);
  ocp::Expected<void, ContentError> end_current_answer();
  ocp::Expected<void, ContentError> begin_answer(const ocp::smtp::AmPart& part);
  std::string missing_answer(const Slot& next) const;
  static std::size_t index_of(const ocp::smtp::AmPart& part) noexcept;

  ContentLayout layout_;
  AssemblerLimits limits_;
  std::filesystem::path spill_directory_;
  std::optional<ContentError> error_;

  std::deque<Slot> slots_;  // not yet fully output, in message order
  std::uint64_t next_id_ = 0;
  std::deque<std::uint64_t> unanswered_;  // adaptive slots whose answer has not begun
  std::optional<std::uint64_t> answering_;
  std::string single_header_answer_;  // checked whole before it is held (P-7)
  std::uint64_t spilled_done_ = 0;    // by slots already output

  // Per content part (RAWDATA, ALLHEADERS, SINGLEHEADERS, BODY, SECTIONS).
  std::size_t sent_[6] = {};
  std::size_t answered_[6] = {};

  bool original_done_ = false;
  bool answers_done_ = false;
};

}  // namespace opes::processor
