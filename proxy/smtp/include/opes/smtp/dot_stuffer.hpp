#pragma once
// RFC 5321 §4.5.2: the client side of dot-stuffing. Message content (CRLF
// line ends, in chunks split anywhere) becomes DATA wire bytes: a "." that
// starts a line is doubled, and finish() ends the data with CRLF . CRLF.
//
// Bare CR and bare LF would let the next MTA end the message somewhere else
// than we did (SMTP smuggling); RFC 5321 §2.3.8 forbids sending them. The
// client's content was checked by the server core, but an adapted message
// from the callout server was not, so each is sent as CRLF.

#include <string>
#include <string_view>

namespace opes::smtp {

class DotStuffer {
 public:
  /// Appends the wire form of `content` to `wire`. A CR at the end of a
  /// chunk waits for the next octet.
  void encode(std::string_view content, std::string& wire);
  /// Appends the rest of the data: CRLF if the content did not end with
  /// one, then ".CRLF". The stuffer is ready for a new message afterwards.
  void finish(std::string& wire);

 private:
  bool at_line_start_ = true;
  bool pending_cr_ = false;
};

/// One message in one call: encode(content) then finish().
std::string dot_stuff(std::string_view content);

}  // namespace opes::smtp
