// libFuzzer target for the SMTP client side and the argument parsers:
// ReplyReader (fed in splits and in one piece, which must agree), parse_ehlo
// on every reply, the MAIL/RCPT path parsers with a format/parse round trip,
// xtext, sender_routing, the XCLIENT/XFORWARD lines' bounds, and DotStuffer
// against DataReader.
//
// Input layout: the first octet seeds the split sizes; the rest is used
// whole as an upstream byte stream, as a command argument (its first line),
// and as message content.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/xtext.hpp"
#include "opes/smtp/client_core.hpp"
#include "opes/smtp/client_forwarding.hpp"
#include "opes/smtp/data_reader.hpp"
#include "opes/smtp/mail_parameters.hpp"
#include "opes/smtp/offered_parameters.hpp"
#include "opes/smtp/path_argument.hpp"
#include "opes/smtp/sender_routing.hpp"

namespace {

using namespace opes::smtp;

[[noreturn]] void violated(const char* property) {
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}

/// Every reply the reader yields, then the error if one ends the stream
/// (`failed` tells it apart from reply text that looks like one).
std::string read_replies(ReplyReader& reader, bool& failed) {
  std::string out;
  for (;;) {
    auto next = reader.next();
    if (!next) {
      failed = true;
      return out + "\nerror: " + next.error().reason;
    }
    if (!*next) return out;
    const ocp::smtp::Reply& reply = **next;
    if (reply.lines.empty() || reply.lines.size() > 200) violated("reply line count");
    const ServerCapabilities caps = parse_ehlo(reply);
    if (caps.keywords.size() + 1 > reply.lines.size() && reply.code == 250) {
      violated("more keywords than lines");
    }
    out += reply.wire();
  }
}

void check_replies(std::uint8_t seed, std::string_view input) {
  ReplyReader whole;
  whole.receive(input);
  bool failed = false;
  const std::string expected = read_replies(whole, failed);

  ReplyReader split;
  std::string got;
  std::uint32_t state = seed * 2654435761u + 7;
  std::size_t at = 0;
  while (at < input.size()) {
    state = state * 1103515245u + 12345u;
    const std::size_t length = 1 + (state >> 16) % 61;
    split.receive(input.substr(at, length));
    at += length;
    bool split_failed = false;
    got += read_replies(split, split_failed);
    if (split.buffered() >= 1000) violated("reply reader buffers more than a line");
    if (split_failed) break;
  }
  if (got != expected) violated("the split of the input changed the replies");
}

void check_paths(std::string_view input) {
  const std::string_view line = input.substr(0, input.find('\n'));
  for (bool utf8 : {false, true}) {
    const PathOptions options{utf8};
    for (PathRole role : {PathRole::reverse_path, PathRole::forward_path}) {
      auto parsed = parse_path_payload(line, role, options);
      if (!parsed) {
        if (parsed.error().reply().wire().find('\n') + 1 != parsed.error().reply().wire().size()) {
          violated("an error reply is not one line");
        }
        continue;
      }
      auto again = parse_path_payload(format_path_argument(*parsed), role, options);
      if (!again || !(*again == *parsed)) violated("format/parse round trip of a path argument");
      (void)declared_size(*parsed);
      (void)opes_bypass(*parsed);
      (void)sender_routing(parsed->path);
      // RFC 5321 §4.1.1.11 and the DSN values: a refusal is one line.
      for (const OfferedExtensions& offered : {OfferedExtensions{}, OfferedExtensions::all()}) {
        auto checked = check_offered_parameters(*parsed, role, offered);
        if (!checked && checked.error().reply().wire().find('\n') + 1 !=
                            checked.error().reply().wire().size()) {
          violated("an offered-parameters reply is not one line");
        }
      }
    }
    (void)parse_mail_from(line, options);
    (void)parse_rcpt_to(line, options);
  }
  if (auto decoded = ocp::smtp::decode_xtext(line)) {
    auto again = ocp::smtp::decode_xtext(ocp::smtp::encode_xtext(*decoded));
    if (!again || *again != *decoded) violated("xtext encoding does not round-trip");
  }
}

/// XCLIENT/XFORWARD lines from any client text and any EHLO reply: each one
/// line of at most 512 octets (client_forwarding.hpp's bounds).
void check_forwarding(std::string_view input) {
  const std::string_view line = input.substr(0, input.find('\n'));
  (void)sender_routing(line);
  const ForwardedClient client{std::string(line), 25, std::string(line), true, std::string(line)};
  ServerCapabilities offered;
  offered.keywords.push_back("XCLIENT " + std::string(line));
  std::vector<std::string> every{"NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN", "IDENT", "SOURCE"};
  for (ForwardCommand command : {ForwardCommand::xclient, ForwardCommand::xforward}) {
    for (const auto& names : {every, offered_attributes(offered, "XCLIENT")}) {
      for (const std::string& text : format_client_forwarding(command, client, names)) {
        if (text.size() > kMaxForwardLine) violated("a forwarding command over 512 octets");
        if (text.find_first_of("\r\n") != text.size() - 2) violated("a forwarding command is not one line");
      }
    }
  }
}

/// What the stuffer must send for `content`: CRLF for every line end,
/// bare CR and LF included, and a final CRLF.
std::string normalised(std::string_view content) {
  std::string out;
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\r') {
      out += "\r\n";
      if (i + 1 < content.size() && content[i + 1] == '\n') ++i;
    } else if (content[i] == '\n') {
      out += "\r\n";
    } else {
      out += content[i];
    }
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  return out;
}

void check_dot_stuffing(std::uint8_t seed, std::string_view content) {
  DotStuffer stuffer;
  std::string wire;
  const std::size_t cut = content.empty() ? 0 : seed % (content.size() + 1);
  stuffer.encode(content.substr(0, cut), wire);
  stuffer.encode(content.substr(cut), wire);
  stuffer.finish(wire);
  DataReader reader(DataLimits{0, 0});
  std::string read_back;
  if (reader.read(wire, read_back, SIZE_MAX) != wire.size() || !reader.finished()) {
    violated("stuffed data does not end where it should");
  }
  // RFC 2045 §2.7, §2.8: a NUL is refused in message data, stuffed or not.
  const bool has_nul = content.find('\0') != std::string_view::npos;
  if (reader.violation() != (has_nul ? DataViolation::nul : DataViolation::none)) {
    violated("stuffed data breaks a rule");
  }
  if (!has_nul && read_back != normalised(content)) violated("unstuffing does not undo stuffing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t seed = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_replies(seed, input);
  check_paths(input);
  check_forwarding(input);
  check_dot_stuffing(seed, input);
  return 0;
}
