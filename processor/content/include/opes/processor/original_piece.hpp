#pragma once
// One piece of the original message content as the splitter cuts it: the
// payload of one DUM the processor sends, or octets it keeps and sends to
// nobody.

#include <optional>
#include <string>

#include "ocp/smtp/am_part.hpp"

namespace opes::processor {

struct OriginalPiece {
  /// The am-part its DUM carries (smtp §3.3.1); nullopt: kept, not sent.
  std::optional<ocp::smtp::AmPart> part;
  /// At most SplitterLimits::max_piece octets.
  std::string bytes;
  /// The first piece of a part instance (a SINGLEHEADERS field, a section,
  /// the one ALLHEADERS/BODY/RAWDATA instance). Always false when kept.
  bool starts_instance = false;
  /// The callout server answers it (smtp §3.2.3); false when informative or
  /// kept.
  bool adaptive = false;

  friend bool operator==(const OriginalPiece&, const OriginalPiece&) = default;
};

}  // namespace opes::processor
