#include "opes/smtp/dot_stuffer.hpp"

#include <cstring>

namespace opes::smtp {

namespace {

/// Octets up to the next CR or LF (memchr is vectorised; a message is
/// mostly such runs).
std::size_t ordinary_run(const char* begin, const char* end) {
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', static_cast<std::size_t>(end - begin)));
  const char* stop = cr ? cr : end;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', static_cast<std::size_t>(stop - begin)));
  return static_cast<std::size_t>((lf ? lf : stop) - begin);
}

}  // namespace

void DotStuffer::encode(std::string_view content, std::string& wire) {
  wire.reserve(wire.size() + content.size() + 2);
  const char* octets = content.data();
  const char* const end = octets + content.size();
  while (octets != end) {
    const char octet = *octets;
    if (pending_cr_) {
      pending_cr_ = false;
      wire += "\r\n";  // CRLF, or a bare CR sent as CRLF
      at_line_start_ = true;
      if (octet == '\n') {
        ++octets;
        continue;
      }
    }
    if (octet == '\r') {
      pending_cr_ = true;
      ++octets;
    } else if (octet == '\n') {
      wire += "\r\n";  // a bare LF sent as CRLF
      at_line_start_ = true;
      ++octets;
    } else {
      if (at_line_start_ && octet == '.') wire += '.';
      const std::size_t run = ordinary_run(octets, end);
      wire.append(octets, run);
      octets += run;
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
