#include "ocp/smtp/am_part.hpp"

#include <algorithm>
#include <array>
#include <cassert>

#include "value_kinds.hpp"

namespace ocp::smtp {

namespace {

// smtp §3.1: the defined atoms, indexed by Kind.
constexpr std::array<std::string_view, 11> kTokens = {
    "EHLO",    "HELO",       "MAIL",          "RCPT", "VRFY",    "EXPN",
    "RAWDATA", "ALLHEADERS", "SINGLEHEADERS", "BODY", "SECTIONS"};

constexpr std::string_view kIpToken = "IP";
constexpr std::string_view kDataToken = "DATA";

// smtp §3.1: "Some commands defined in [RFC2821] MUST NOT be used as
// application message parts for OCP. These include DATA, RSET and QUIT."
constexpr std::array<std::string_view, 3> kForbiddenTokens = {"DATA", "RSET", "QUIT"};

bool is_content(AmPart::Kind kind) noexcept {
  return kind == AmPart::allheaders || kind == AmPart::singleheaders || kind == AmPart::body ||
         kind == AmPart::sections;
}

/// The position of a part in canonical_less.
unsigned canonical_position(const AmPart& part) noexcept {
  if (part.is_ip()) return 0;
  switch (part.kind()) {
    case AmPart::ehlo:
      return 1;
    case AmPart::helo:
      return 2;
    case AmPart::mail:
      return 3;
    case AmPart::rcpt:
      return 4;
    case AmPart::vrfy:
      return 5;
    case AmPart::expn:
      return 6;
    case AmPart::rawdata:
      return 7;
    case AmPart::allheaders:
      return 8;
    case AmPart::singleheaders:
      return 9;
    case AmPart::body:
      return 10;
    case AmPart::sections:
      return 11;
    case AmPart::extension:
      break;
  }
  return 12;
}

}  // namespace

AmPart::AmPart(Kind kind) : kind_(kind) {
  assert(kind != Kind::extension);
}

AmPart AmPart::from_token(std::string_view token) {
  for (std::size_t i = 0; i < kTokens.size(); ++i) {
    if (kTokens[i] == token) return AmPart(static_cast<Kind>(i));
  }
  return AmPart(Kind::extension, std::string(token));
}

AmPart AmPart::ip() {
  return AmPart(Kind::extension, std::string(kIpToken));
}

std::string_view AmPart::token() const noexcept {
  if (kind_ == Kind::extension) return extension_;
  return kTokens[static_cast<std::size_t>(kind_)];
}

bool AmPart::is_ip() const noexcept {
  return kind_ == Kind::extension && extension_ == kIpToken;
}

bool AmPart::is_forbidden() const noexcept {
  return kind_ == Kind::extension && std::find(kForbiddenTokens.begin(), kForbiddenTokens.end(),
                                               extension_) != kForbiddenTokens.end();
}

bool AmPart::can_span_dums() const noexcept {
  // smtp §3.3.1
  return kind_ == rawdata || kind_ == allheaders || kind_ == body || kind_ == sections;
}

bool AmPart::is_repeatable() const noexcept {
  return kind_ == rcpt || kind_ == singleheaders || kind_ == sections || !smtp_order(*this);
}

bool AmPart::is_informative_only() const noexcept {
  return kind_ == ehlo || kind_ == helo || is_ip();
}

bool mutually_exclusive(const AmPart& a, const AmPart& b) noexcept {
  // smtp §3.2.1
  const auto pair = [&](AmPart::Kind x, AmPart::Kind y) {
    return (a.kind() == x && b.kind() == y) || (a.kind() == y && b.kind() == x);
  };
  if (a.kind() == AmPart::rawdata && is_content(b.kind())) return true;
  if (b.kind() == AmPart::rawdata && is_content(a.kind())) return true;
  return pair(AmPart::allheaders, AmPart::singleheaders) || pair(AmPart::body, AmPart::sections);
}

std::optional<unsigned> smtp_order(const AmPart& part) noexcept {
  if (part.is_ip()) return 0;  // known when the SMTP client connects
  switch (part.kind()) {
    case AmPart::ehlo:
    case AmPart::helo:
      return 1;
    case AmPart::mail:
      return 2;
    case AmPart::rcpt:
      return 3;
    case AmPart::rawdata:
    case AmPart::allheaders:
    case AmPart::singleheaders:
      return 4;  // RFC 2822 §2.1: header before body
    case AmPart::body:
    case AmPart::sections:
      return 5;
    case AmPart::vrfy:
    case AmPart::expn:
    case AmPart::extension:
      break;
  }
  return std::nullopt;
}

bool canonical_less(const AmPart& a, const AmPart& b) noexcept {
  return canonical_position(a) < canonical_position(b);
}

bool contains(const std::vector<AmPart>& parts, const AmPart& part) noexcept {
  return std::find(parts.begin(), parts.end(), part) != parts.end();
}

namespace {

Typed<AmPart> read_token(const Value& value, const ReadOptions& options) {
  const Atom* atom = value.as_atom();
  if (!atom)
    return unexpected(
        TypeError{std::string("am-part must be an atom, not ") + detail::kind_of(value)});
  if (atom->bytes.empty()) return unexpected(TypeError{"am-part must not be empty"});
  // DATA read as RAWDATA, on receipt only (it is never written).
  if (options.data_as_rawdata && atom->bytes == kDataToken) return AmPart(AmPart::rawdata);
  return AmPart::from_token(atom->bytes);
}

}  // namespace

Typed<AmPart> read_am_part(const Value& value, const ReadOptions& options) {
  auto part = read_token(value, options);
  if (part && part->is_forbidden()) {
    return unexpected(TypeError{detail::quoted(part->token()) +
                                " is never an am-part (smtp §3.1 forbids DATA, RSET, QUIT)"});
  }
  return part;
}

Value write_am_part(const AmPart& part) {
  return Value::atom(part.token());
}

Typed<std::vector<AmPart>> read_am_parts(const Value& value, const ReadOptions& options) {
  const List* list = value.as_list();
  if (!list)
    return unexpected(
        TypeError{std::string("am-parts must be a list, not ") + detail::kind_of(value)});
  std::vector<AmPart> parts;
  parts.reserve(list->items.size());
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    auto part = read_token(list->items[i], options);
    if (!part) {
      return unexpected(
          TypeError{"am-parts item " + std::to_string(i + 1) + ": " + part.error().reason});
    }
    if (!contains(parts, *part)) parts.push_back(std::move(*part));
  }
  return parts;
}

Value write_am_parts(const std::vector<AmPart>& parts) {
  List list;
  list.items.reserve(parts.size());
  for (const AmPart& part : parts) list.items.push_back(write_am_part(part));
  return Value(std::move(list));
}

}  // namespace ocp::smtp
