#pragma once
// draft-ietf-opes-smtp-00 §3.1, §3.2.1, §3.2.5: which content am-parts the
// callout server asked for in its NR, and how the processor must cut the
// message content for them.

#include <cstdint>
#include <optional>
#include <string_view>

#include "ocp/expected.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/header_list.hpp"
#include "ocp/smtp/smtp_profile.hpp"
#include "opes/processor/content_error.hpp"

namespace opes::processor {

/// What happens to one content part (smtp §3.2.3, §3.2.4).
enum class PartRole : std::uint8_t {
  not_sent,     // not listed: the processor keeps the octets and sends nothing
  informative,  // sent, never answered; the processor keeps the octets
  adaptive,     // sent and answered; the answer replaces the octets
};

/// How the message content is cut.
enum class ContentMode : std::uint8_t {
  kept,     // no content part listed: the message is kept whole
  rawdata,  // RAWDATA: the whole message is one part
  split,    // ALLHEADERS or SINGLEHEADERS, and/or BODY or SECTIONS
};

/// The content side of the negotiated SMTP profile. Cheap to copy.
class ContentLayout {
 public:
  /// Every content part not sent: the message is kept whole.
  ContentLayout() = default;

  /// From the profile the NR accepted. A part both adaptive and informative
  /// is adaptive (P-2). Mutually exclusive parts listed together (smtp
  /// §3.2.1) are refused: a processor never offers a layout it cannot cut.
  static ocp::Expected<ContentLayout, ContentError> from_profile(
      const ocp::smtp::SmtpProfile& profile);

  /// RAWDATA, ALLHEADERS, SINGLEHEADERS, BODY, SECTIONS; not_sent for every
  /// other part.
  PartRole role(const ocp::smtp::AmPart& part) const noexcept;
  bool is_adaptive(const ocp::smtp::AmPart& part) const noexcept {
    return role(part) == PartRole::adaptive;
  }
  ContentMode mode() const noexcept;
  /// ALLHEADERS or SINGLEHEADERS when listed.
  std::optional<ocp::smtp::AmPart> header_part() const;
  /// BODY or SECTIONS when listed.
  std::optional<ocp::smtp::AmPart> body_part() const;
  /// Whether any content part is adaptive: then the assembler waits for
  /// answers; otherwise the message streams through kept.
  bool has_adaptive_content() const noexcept;
  /// smtp §3.2.5: whether a header field of this name goes out as its own
  /// SINGLEHEADERS instance (case-insensitive; `*` requests all).
  bool sends_single_header(std::string_view field_name) const noexcept;
  const ocp::smtp::HeaderList& header_list() const noexcept { return header_list_; }

 private:
  enum Slot : std::uint8_t { rawdata, allheaders, singleheaders, body, sections, count };
  static std::optional<Slot> slot_of(const ocp::smtp::AmPart& part) noexcept;

  PartRole roles_[Slot::count] = {PartRole::not_sent, PartRole::not_sent, PartRole::not_sent,
                                  PartRole::not_sent, PartRole::not_sent};
  ocp::smtp::HeaderList header_list_;
};

}  // namespace opes::processor
