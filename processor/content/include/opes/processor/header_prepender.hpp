#pragma once
// The processor's own header fields put into the adapted message (P-13): a
// streaming filter over the output message that holds the header section,
// inserts the fields, and lets the body through.
//
// Order at the top of the header section:
//   1. `received`: the caller's trace fields (RFC 5321 §4.4: Received goes
//      at the beginning of the message content);
//   2. `opes_trace`: the processor's OPES-System (and OPES-Via) lines, when
//      the message has none yet (draft-ietf-opes-smtp-00 §4.1);
//   3. `added`: the callout server's Add-Header fields, in order;
//   4. the message's own fields.
// When the message already has OPES-System or OPES-Via lines, `opes_trace`
// goes immediately before the first of them instead (§4.1: "prepend ...
// before all existing OPES-System and OPES-VIA lines"), and nothing there is
// changed or reordered.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/header_field.hpp"
#include "opes/processor/content_error.hpp"

namespace opes::processor {

/// The fields to insert, each written as `name ":" body CRLF`. The caller
/// builds the values (and checks them: they are written as given).
struct HeaderInsertion {
  std::vector<ocp::smtp::HeaderField> received;
  std::vector<ocp::smtp::HeaderField> opes_trace;
  std::vector<ocp::smtp::HeaderField> added;
};

struct PrependerLimits {
  /// The output message's header section, its empty line included.
  std::size_t max_header_section = std::size_t{1} << 20;
};

class HeaderPrepender {
 public:
  explicit HeaderPrepender(HeaderInsertion insertion, PrependerLimits limits = {});

  /// More of the output message. After an error every call returns it again.
  ocp::Expected<void, ContentError> feed(std::string_view chunk);
  /// The end of the message: a message without an empty line is all header
  /// section (RFC 5322 §2.1), and gets its fields now.
  ocp::Expected<void, ContentError> finish();

  /// The octets ready so far (moved out).
  std::string take_output();

  /// Whether the header section has been emitted.
  bool header_section_done() const noexcept { return done_header_; }
  /// The emitted header section with the inserted fields and its empty line
  /// (what a trace notification reports); empty before header_section_done().
  const std::string& header_section() const noexcept { return header_section_; }

 private:
  ocp::Expected<void, ContentError> emit_header_section(std::size_t end);

  HeaderInsertion insertion_;
  PrependerLimits limits_;
  std::optional<ContentError> error_;
  std::string held_;  // the header section so far (and what followed it in the chunk)
  std::size_t scanned_ = 0;
  bool done_header_ = false;
  bool finished_ = false;
  std::string header_section_;
  std::string output_;
};

/// P-13 for a complete header section (without its empty line): the section
/// with `insertion` in place. Used by HeaderPrepender.
std::string insert_header_fields(std::string_view fields, const HeaderInsertion& insertion);

}  // namespace opes::processor
