#include "footer_insertion.hpp"

#include <stdexcept>
#include <vector>

#include "mime_entity.hpp"
#include "transfer_encoding.hpp"

namespace disclaimer {
namespace {

// Bounds of the MIME walk: nesting deeper than this is not mail a person
// writes, and every level rescans its part of the message once.
constexpr int max_depth = 8;
constexpr std::size_t max_boundary = 70;  // RFC 2046 §5.1.1

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The body to append to, as offsets into the whole message.
struct Target {
  std::size_t body_begin = 0;
  std::size_t body_end = 0;
  bool at_message_end = false;          // top-level body: nothing follows it
  std::string encoding;                 // Content-Transfer-Encoding, lower case
  std::string charset;                  // lower case
  std::vector<std::string> boundaries;  // of the enclosing multiparts
};

class TargetSearch {
 public:
  explicit TargetSearch(std::string_view message) : message_(message) {}

  std::optional<Target> find(std::size_t begin, std::size_t end, int depth) {
    const std::string_view entity = message_.substr(begin, end - begin);
    const auto body = find_body(entity);
    if (!body) return note("an entity has no body");
    const std::string_view headers = entity.substr(0, *body);

    // RFC 2045 §5.2: no Content-Type means text/plain; charset=us-ascii.
    ContentType type{"text", "plain", {{"charset", "us-ascii"}}};
    if (auto value = header_value(headers, "Content-Type")) type = parse_content_type(*value);
    if (auto disposition = header_value(headers, "Content-Disposition");
        disposition && first_token(*disposition) == "attachment") {
      return note("text attachment left alone");
    }

    if (type.type == "multipart") {
      // RFC 1847: changing a signed or encrypted entity would break it.
      if (type.subtype == "signed" || type.subtype == "encrypted") {
        return note("multipart/" + type.subtype + " left alone");
      }
      if (depth >= max_depth) return note("multipart nesting too deep");
      const auto boundary = type.parameters.find("boundary");
      if (boundary == type.parameters.end() || boundary->second.empty() ||
          boundary->second.size() > max_boundary) {
        return note("multipart without a usable boundary");
      }
      const std::size_t body_begin = begin + *body;
      const auto parts =
          split_multipart(message_.substr(body_begin, end - body_begin), boundary->second);
      if (!parts) return note("multipart without its delimiters");
      boundaries_.push_back(boundary->second);
      for (const Span& part : *parts) {
        if (auto found = find(body_begin + part.begin, body_begin + part.end, depth + 1))
          return found;
      }
      boundaries_.pop_back();
      return std::nullopt;
    }
    if (type.type != "text" || type.subtype != "plain") {
      return note(type.type.empty() ? "unreadable Content-Type" : "no text/plain part");
    }
    Target target;
    target.body_begin = begin + *body;
    target.body_end = end;
    target.at_message_end = end == message_.size() && depth == 0;
    const auto encoding = header_value(headers, "Content-Transfer-Encoding");
    target.encoding = encoding ? first_token(*encoding) : "7bit";
    const auto charset = type.parameters.find("charset");
    target.charset = charset == type.parameters.end() ? "us-ascii" : charset->second;
    for (char& c : target.charset)
      c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    target.boundaries = boundaries_;
    return target;
  }

  const std::string& reason() const noexcept { return reason_; }

 private:
  std::nullopt_t note(std::string why) {
    if (reason_.empty()) reason_ = std::move(why);
    return std::nullopt;
  }

  std::string_view message_;
  std::vector<std::string> boundaries_;
  std::string reason_;
};

// What goes in at the end of the target body (or replaces it, for base64).
struct Edit {
  std::size_t begin;
  std::size_t end;
  std::string text;
};

std::optional<Edit> make_edit(std::string_view message, const Target& t, const Footer& footer,
                              std::string& why) {
  const std::string_view body = message.substr(t.body_begin, t.body_end - t.body_begin);
  // The last line of a part's body is ended by the delimiter's CRLF; the
  // body at the very end of the message ends with its own.
  const std::string_view tail = t.at_message_end ? "\r\n" : "";
  const bool utf8 = t.charset == "utf-8" || t.charset == "utf8";
  if (!footer.ascii() && !utf8) {
    why = "non-ASCII footer and a part in charset " + t.charset;
    return std::nullopt;
  }
  const std::string& encoding = t.encoding;
  if (encoding == "7bit" || encoding == "8bit" || encoding == "binary") {
    if (encoding == "7bit" && !footer.ascii()) {
      why = "non-ASCII footer and a 7bit part";
      return std::nullopt;
    }
    const std::string_view lead = body.empty() || ends_with(body, "\r\n") ? "" : "\r\n";
    return Edit{t.body_end, t.body_end, std::string(lead) + footer.text() + std::string(tail)};
  }
  if (encoding == "quoted-printable") {
    // A trailing soft break ("=" at the very end) would join the footer to
    // the last line; a hard break after it starts a line of its own.
    std::string_view lead;
    if (ends_with(body, "=\r\n"))
      lead = "\r\n";
    else if (body.empty() || ends_with(body, "\r\n"))
      lead = "";
    else if (ends_with(body, "="))
      lead = "\r\n\r\n";
    else
      lead = "\r\n";
    return Edit{t.body_end, t.body_end,
                std::string(lead) + encode_quoted_printable(footer.text()) + std::string(tail)};
  }
  if (encoding == "base64") {
    // Base64 cannot be appended to (padding may end the original), so the
    // part is decoded, extended and encoded again.
    auto decoded = decode_base64(body);
    if (!decoded) {
      why = "base64 part that does not decode";
      return std::nullopt;
    }
    if (!decoded->empty() && !ends_with(*decoded, "\n")) *decoded += "\r\n";
    *decoded += footer.text();
    *decoded += "\r\n";
    return Edit{t.body_begin, t.body_end, encode_base64(*decoded) + std::string(tail)};
  }
  why = "unknown Content-Transfer-Encoding " + encoding;
  return std::nullopt;
}

// The footer must not be read as a delimiter of an enclosing multipart.
bool breaks_a_boundary(std::string_view text, const std::vector<std::string>& boundaries) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find("\r\n", start);
    const std::string_view line =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    for (const std::string& b : boundaries) {
      if (line.substr(0, 2) == "--" && line.substr(2, b.size()) == b) return true;
    }
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
  return false;
}

}  // namespace

Footer::Footer(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n')
        throw std::invalid_argument("footer has a lone CR");
      continue;  // the LF that follows makes the line break
    }
    if (c == '\n') {
      text_ += "\r\n";
      continue;
    }
    if ((u < 32 && c != '\t') || u == 127)
      throw std::invalid_argument("footer has a control character");
    if (u >= 128) ascii_ = false;
    text_ += c;
  }
  while (ends_with(text_, "\r\n")) text_.resize(text_.size() - 2);
  if (text_.empty()) throw std::invalid_argument("footer is empty");
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text_.find("\r\n", start);
    const std::size_t length = (end == std::string::npos ? text_.size() : end) - start;
    if (length > 998) throw std::invalid_argument("footer line longer than 998 octets");
    if (end == std::string::npos) break;
    start = end + 2;
  }
}

Insertion add_footer(std::string_view message, const Footer& footer) {
  TargetSearch search(message);
  const auto target = search.find(0, message.size(), 0);
  if (!target)
    return {std::nullopt, search.reason().empty() ? "no text/plain part" : search.reason()};
  std::string why;
  const auto edit = make_edit(message, *target, footer, why);
  if (!edit) return {std::nullopt, why};
  if (breaks_a_boundary(edit->text, target->boundaries)) {
    return {std::nullopt, "footer would contain a MIME boundary line"};
  }
  std::string out;
  out.reserve(message.size() + edit->text.size());
  out.append(message.substr(0, edit->begin));
  out.append(edit->text);
  out.append(message.substr(edit->end));
  return {std::move(out), {}};
}

}  // namespace disclaimer
