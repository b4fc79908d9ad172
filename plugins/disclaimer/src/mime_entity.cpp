#include "mime_entity.hpp"

#include <algorithm>

namespace disclaimer {
namespace {

bool is_wsp(char c) noexcept {
  return c == ' ' || c == '\t';
}

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// RFC 2045 §5.1 tspecials end a token.
bool is_token_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 32 || u >= 127) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// The value with RFC 822 comments blanked out; quoted strings kept intact.
std::string without_comments(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (depth == 0 && c == '"') quoted = !quoted;
    if (quoted || depth == 0) {
      if (!quoted && c == '(') {
        depth = 1;
        out += ' ';
        continue;
      }
      out += c;
      if (quoted && c == '\\' && i + 1 < value.size()) out += value[++i];
      continue;
    }
    // Inside a comment: nesting and quoted-pairs (RFC 5322 §3.2.2).
    if (c == '\\')
      ++i;
    else if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
  }
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  void skip_space() {
    while (pos_ < text_.size() && is_wsp(text_[pos_])) ++pos_;
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string_view token() {
    skip_space();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_token_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  std::optional<std::string> quoted_string() {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != '"') return std::nullopt;
    std::string out;
    for (++pos_; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_];
    }
    return std::nullopt;  // unterminated
  }
  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::size_t> find_body(std::string_view entity) noexcept {
  if (entity.substr(0, 2) == "\r\n") return 2;
  const std::size_t blank = entity.find("\r\n\r\n");
  if (blank == std::string_view::npos) return std::nullopt;
  return blank + 4;
}

std::optional<std::string> header_value(std::string_view headers, std::string_view name) {
  std::size_t pos = 0;
  while (pos < headers.size()) {
    // One field: its first line and every continuation line (RFC 5322 §2.2.3).
    std::size_t end = pos;
    do {
      const std::size_t eol = headers.find("\r\n", end);
      end = eol == std::string_view::npos ? headers.size() : eol + 2;
    } while (end < headers.size() && is_wsp(headers[end]));
    const std::string_view field = headers.substr(pos, end - pos);
    pos = end;

    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view field_name = field.substr(0, colon);
    while (!field_name.empty() && is_wsp(field_name.back())) field_name.remove_suffix(1);
    if (!iequals(field_name, name)) continue;

    std::string value;
    for (char c : field.substr(colon + 1)) {
      if (c != '\r' && c != '\n') value += c;  // unfolding removes only the CRLFs
    }
    return std::string(trim(value));
  }
  return std::nullopt;
}

ContentType parse_content_type(std::string_view value) {
  const std::string text = without_comments(value);
  Cursor in(text);
  ContentType result;
  const std::string_view type = in.token();
  if (type.empty() || !in.eat('/')) return result;
  const std::string_view subtype = in.token();
  if (subtype.empty()) return result;
  ContentType parsed{lower(type), lower(subtype), {}};
  while (in.eat(';')) {
    if (in.at_end()) break;  // a trailing ';' is common and harmless
    const std::string name = lower(in.token());
    if (name.empty() || !in.eat('=')) return result;
    std::optional<std::string> quoted = in.quoted_string();
    std::string param = quoted ? std::move(*quoted) : std::string(in.token());
    parsed.parameters.emplace(name, std::move(param));
  }
  if (!in.at_end()) return result;
  return parsed;
}

std::string first_token(std::string_view value) {
  const std::string text = without_comments(value);
  Cursor in(text);
  return lower(in.token());
}

std::optional<std::vector<Span>> split_multipart(std::string_view body, std::string_view boundary) {
  const std::string dash = "--" + std::string(boundary);
  std::vector<Span> parts;
  std::optional<std::size_t> part_begin;  // after the previous delimiter line
  std::size_t search = 0;
  while (search <= body.size()) {
    const std::size_t at = body.find(dash, search);
    if (at == std::string_view::npos) return std::nullopt;  // no close delimiter
    search = at + 1;
    // A delimiter starts a line (RFC 2046 §5.1.1: CRLF "--" boundary).
    if (at != 0 && (at < 2 || body.substr(at - 2, 2) != "\r\n")) continue;
    std::size_t p = at + dash.size();
    const bool close = body.substr(p, 2) == "--";
    if (close) p += 2;
    while (p < body.size() && is_wsp(body[p])) ++p;  // transport padding
    std::size_t line_end;
    if (p == body.size()) {
      line_end = p;
    } else if (body.substr(p, 2) == "\r\n") {
      line_end = p + 2;
    } else {
      continue;  // "--boundaryX": a longer line that merely starts the same
    }
    if (part_begin) {
      // The CRLF before the delimiter belongs to the delimiter.
      const std::size_t end = std::max(*part_begin, at >= 2 ? at - 2 : at);
      parts.push_back({*part_begin, end});
    }
    if (close) return part_begin ? std::optional(parts) : std::nullopt;
    part_begin = line_end;
    search = line_end;
  }
  return std::nullopt;
}

}  // namespace disclaimer
