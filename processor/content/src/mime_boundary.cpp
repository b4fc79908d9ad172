#include "opes/processor/mime_boundary.hpp"

#include <utility>

#include "opes/processor/header_section.hpp"

namespace opes::processor {

namespace {

bool is_wsp(char c) noexcept {
  return c == ' ' || c == '\t';
}

/// RFC 2045 §5.1: tspecials.
bool is_tspecial(char c) noexcept {
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}

/// RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or
/// tspecials>.
bool is_token_char(char c) noexcept {
  const auto octet = static_cast<unsigned char>(c);
  return octet > 32 && octet < 127 && !is_tspecial(c);
}

/// A cursor over an unfolded field body.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  /// RFC 822 §3.4.3: white space and (nested) comments between tokens.
  void skip_cfws() {
    while (at_ < text_.size()) {
      if (is_wsp(text_[at_])) {
        ++at_;
      } else if (text_[at_] == '(') {
        int depth = 0;
        while (at_ < text_.size()) {
          const char c = text_[at_++];
          if (c == '\\' && at_ < text_.size()) {
            ++at_;
          } else if (c == '(') {
            ++depth;
          } else if (c == ')' && --depth == 0) {
            break;
          }
        }
      } else {
        return;
      }
    }
  }

  std::optional<std::string> token() {
    skip_cfws();
    const std::size_t start = at_;
    while (at_ < text_.size() && is_token_char(text_[at_])) ++at_;
    if (at_ == start) return std::nullopt;
    return std::string(text_.substr(start, at_ - start));
  }

  /// RFC 822 §3.4.5 quoted-string with its quoted-pairs undone.
  std::optional<std::string> quoted_string() {
    skip_cfws();
    if (at_ >= text_.size() || text_[at_] != '"') return std::nullopt;
    ++at_;
    std::string value;
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return value;
      if (c == '\\' && at_ < text_.size()) {
        value += text_[at_++];
      } else {
        value += c;
      }
    }
    return std::nullopt;  // unterminated
  }

  bool take(char c) {
    skip_cfws();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

bool valid_boundary(std::string_view boundary) noexcept {
  if (boundary.empty() || boundary.size() > kMaxBoundaryLength || boundary.back() == ' ') {
    return false;
  }
  for (char c : boundary) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet < 32 || octet > 126) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type_body) {
  const std::string unfolded = unfold(content_type_body);
  Reader reader(unfolded);
  // RFC 2045 §5.1: content := "Content-Type" ":" type "/" subtype *(";" parameter)
  const auto type = reader.token();
  if (!type || !same_field_name(*type, "multipart")) return std::nullopt;
  if (!reader.take('/') || !reader.token()) return std::nullopt;
  while (reader.take(';')) {
    const auto attribute = reader.token();
    if (!attribute || !reader.take('=')) return std::nullopt;
    auto value = reader.quoted_string();
    if (!value) value = reader.token();
    if (!value) return std::nullopt;
    // RFC 2045 §5.1: parameter names are case-insensitive; the first
    // boundary counts.
    if (same_field_name(*attribute, "boundary")) {
      if (!valid_boundary(*value)) return std::nullopt;
      return value;
    }
  }
  return std::nullopt;
}

DelimiterLineMatcher::DelimiterLineMatcher(std::string boundary, std::size_t max_line)
    : boundary_(std::move(boundary)), max_line_(max_line) {}

void DelimiterLineMatcher::reset() noexcept {
  length_ = 0;
  state_ = State::dash_boundary;
  close_ = false;
}

DelimiterMatch DelimiterLineMatcher::push(char c) noexcept {
  const std::size_t at = length_++;
  if (length_ > max_line_ + 2) return DelimiterMatch::mismatch;
  switch (state_) {
    case State::dash_boundary: {
      // dash-boundary := "--" boundary
      const char expected = at < 2 ? '-' : boundary_[at - 2];
      if (c != expected) return DelimiterMatch::mismatch;
      if (at + 1 == 2 + boundary_.size()) state_ = State::after_boundary;
      return DelimiterMatch::partial;
    }
    case State::after_boundary:
      if (c == '-') {
        state_ = State::second_dash;
        return DelimiterMatch::partial;
      }
      state_ = State::padding;
      [[fallthrough]];
    case State::padding:
      // transport-padding := *LWSP-char, then CRLF.
      if (c == ' ' || c == '\t') return DelimiterMatch::partial;
      if (c != '\r') return DelimiterMatch::mismatch;
      state_ = State::lf;
      return DelimiterMatch::partial;
    case State::second_dash:
      if (c != '-') return DelimiterMatch::mismatch;
      close_ = true;
      state_ = State::padding;
      return DelimiterMatch::partial;
    case State::lf:
      if (c != '\n') return DelimiterMatch::mismatch;
      return close_ ? DelimiterMatch::close : DelimiterMatch::delimiter;
  }
  return DelimiterMatch::mismatch;
}

DelimiterMatch match_delimiter_line(std::string_view line, std::string_view boundary,
                                    std::size_t max_line) {
  DelimiterLineMatcher matcher{std::string(boundary), max_line};
  DelimiterMatch match = DelimiterMatch::partial;
  for (std::size_t i = 0; i < line.size(); ++i) {
    match = matcher.push(line[i]);
    if (match != DelimiterMatch::partial) {
      // Octets after a complete delimiter line make it another line.
      return i + 1 == line.size() ? match : DelimiterMatch::mismatch;
    }
  }
  return match;
}

}  // namespace opes::processor
