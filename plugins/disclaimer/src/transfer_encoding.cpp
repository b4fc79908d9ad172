#include "transfer_encoding.hpp"

#include <array>
#include <cstdint>

namespace disclaimer {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t max_line = 76;

constexpr std::array<std::int8_t, 256> decode_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}

void encode_qp_line(std::string_view line, std::string& out) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    // §6.7 rules 2 and 3: printable ASCII except '=' is literal; SP and HTAB
    // too, except at the end of a line where transport could strip them.
    const bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
    const std::size_t width = literal ? 1 : 3;
    // Rule 5: a soft break '=' keeps every encoded line within 76 characters.
    if (column + width > max_line - 1 && !(last && column + width <= max_line)) {
      out += "=\r\n";
      column = 0;
    }
    if (literal) {
      out += static_cast<char>(c);
    } else {
      out += '=';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
    column += width;
  }
}

}  // namespace

std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find("\r\n", start);
    encode_qp_line(
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start),
        out);
    if (end == std::string_view::npos) return out;
    out += "\r\n";
    start = end + 2;
  }
}

std::string encode_base64(std::string_view octets) {
  std::string out;
  out.reserve(octets.size() / 3 * 4 + octets.size() / 57 * 2 + 8);
  std::size_t column = 0;
  auto put = [&](char c) {
    if (column == max_line) {
      out += "\r\n";
      column = 0;
    }
    out += c;
    ++column;
  };
  std::size_t i = 0;
  for (; i + 3 <= octets.size(); i += 3) {
    const std::uint32_t n = static_cast<unsigned char>(octets[i]) << 16 |
                            static_cast<unsigned char>(octets[i + 1]) << 8 |
                            static_cast<unsigned char>(octets[i + 2]);
    put(alphabet[n >> 18 & 63]);
    put(alphabet[n >> 12 & 63]);
    put(alphabet[n >> 6 & 63]);
    put(alphabet[n & 63]);
  }
  const std::size_t rest = octets.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(octets[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(octets[i + 1])) << 8;
    put(alphabet[n >> 18 & 63]);
    put(alphabet[n >> 12 & 63]);
    put(rest == 2 ? alphabet[n >> 6 & 63] : '=');
    put('=');
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  static constexpr auto table = decode_table();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t quantum = 0;
  int have = 0;     // sextets in the current quantum
  int padding = 0;  // '=' seen; only more padding or blanks may follow
  for (char ch : text) {
    if (ch == '\r' || ch == '\n' || ch == ' ' || ch == '\t') continue;
    if (ch == '=') {
      if (have < 2 || have + padding >= 4) return std::nullopt;
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    const std::int8_t v = table[static_cast<unsigned char>(ch)];
    if (v < 0) return std::nullopt;
    quantum = quantum << 6 | static_cast<std::uint32_t>(v);
    if (++have == 4) {
      out += static_cast<char>(quantum >> 16 & 0xff);
      out += static_cast<char>(quantum >> 8 & 0xff);
      out += static_cast<char>(quantum & 0xff);
      quantum = 0;
      have = 0;
    }
  }
  if (padding > 0) {
    if (have + padding != 4) return std::nullopt;
    if (have == 2) {
      out += static_cast<char>(quantum >> 4 & 0xff);
    } else {  // have == 3
      out += static_cast<char>(quantum >> 10 & 0xff);
      out += static_cast<char>(quantum >> 2 & 0xff);
    }
  } else if (have != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace disclaimer
