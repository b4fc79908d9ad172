#include "opes/smtp/dot_stuffer.hpp"

namespace opes::smtp {

void DotStuffer::encode(std::string_view content, std::string& wire) {
  wire.reserve(wire.size() + content.size() + 2);
  for (char octet : content) {
    if (pending_cr_) {
      pending_cr_ = false;
      wire += "\r\n";  // CRLF, or a bare CR sent as CRLF
      at_line_start_ = true;
      if (octet == '\n') continue;
    }
    if (octet == '\r') {
      pending_cr_ = true;
    } else if (octet == '\n') {
      wire += "\r\n";  // a bare LF sent as CRLF
      at_line_start_ = true;
    } else {
      if (at_line_start_ && octet == '.') wire += '.';
      wire += octet;
      at_line_start_ = false;
    }
  }
}

void DotStuffer::finish(std::string& wire) {
  if (pending_cr_ || !at_line_start_) wire += "\r\n";
  wire += ".\r\n";
  pending_cr_ = false;
  at_line_start_ = true;
}

std::string dot_stuff(std::string_view content) {
  DotStuffer stuffer;
  std::string wire;
  stuffer.encode(content, wire);
  stuffer.finish(wire);
  return wire;
}

}  // namespace opes::smtp
