#pragma once
// Where the footer goes in a message and what the message looks like with
// it: the first text/plain entity that is not an attachment, found through
// nested multiparts, gets the footer after its last line, in the entity's
// own transfer encoding. Everything else is left byte for byte.

#include <optional>
#include <string>
#include <string_view>

namespace disclaimer {

class Footer {
 public:
  /// Line breaks become CRLF, trailing ones are dropped. Throws
  /// std::invalid_argument on empty text, control characters, a lone CR, or
  /// a line longer than 998 octets (RFC 5322 §2.1.1).
  explicit Footer(std::string_view text);

  const std::string& text() const noexcept { return text_; }  // CRLF-separated lines
  bool ascii() const noexcept { return ascii_; }

 private:
  std::string text_;
  bool ascii_ = true;
};

struct Insertion {
  std::optional<std::string> message;  // the new message, when the footer was added
  std::string skipped;                 // why not, otherwise
};

/// `message` is the whole RAWDATA: header section, empty line, body, with
/// CRLF line ends and no SMTP end-of-data line (ocp-digest A-20).
Insertion add_footer(std::string_view message, const Footer& footer);

}  // namespace disclaimer
