#include "address_map.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace recipient_map {
namespace {

// A map is configuration, not mail: a bound keeps a wrong path (a log file,
// a device) from being read into memory.
constexpr std::size_t max_file_size = 64u << 20;

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t';
}

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// '#' starts a comment at the start of a line or after blank space; inside
// a token it is an ordinary character (it is valid in a local part).
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) return line.substr(0, i);
  }
  return line;
}

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Accepts "local@domain" or "<local@domain>"; returns it without brackets.
std::optional<std::string_view> mailbox(std::string_view token) {
  if (token.size() >= 2 && token.front() == '<' && token.back() == '>') {
    token = token.substr(1, token.size() - 2);
  }
  const std::size_t at = token.rfind('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == token.size()) return std::nullopt;
  if (token.find_first_of("<>") != std::string_view::npos) return std::nullopt;
  return token;
}

}  // namespace

std::optional<std::string> AddressMap::key(std::string_view mailbox) const {
  // The local part may itself hold '@' inside quotes; the domain never does.
  const std::size_t at = mailbox.rfind('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  const std::string_view local = mailbox.substr(0, at);
  // RFC 5321 §2.4: domains are case-insensitive.
  std::string out = local_case_ == LocalPartCase::Insensitive ? lower(local) : std::string(local);
  out += '@';
  out += lower(mailbox.substr(at + 1));
  return out;
}

AddressMap AddressMap::parse(std::string_view text, std::string_view origin,
                             LocalPartCase local_case) {
  AddressMap map(local_case);
  std::unordered_map<std::string, std::size_t> first_line;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const auto fail = [&](const std::string& why) {
      return std::invalid_argument(std::string(origin) + ":" + std::to_string(number) + ": " + why);
    };
    const std::vector<std::string_view> words = tokens(strip_comment(line));
    if (words.empty()) continue;
    if (words.size() != 2) throw fail("expected \"old@address new@address\"");
    const auto from = mailbox(words[0]);
    const auto to = mailbox(words[1]);
    if (!from) throw fail("\"" + std::string(words[0]) + "\" is not an address local@domain");
    if (!to) throw fail("\"" + std::string(words[1]) + "\" is not an address local@domain");
    std::string k = *map.key(*from);
    if (auto seen = first_line.find(k); seen != first_line.end()) {
      throw fail(std::string(*from) + " is already mapped on line " + std::to_string(seen->second));
    }
    first_line.emplace(k, number);
    map.entries_.emplace(std::move(k), std::string(*to));
  }
  return map;
}

AddressMap AddressMap::load(const std::string& file, LocalPartCase local_case) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw std::invalid_argument("map file " + file + " does not exist or is not a regular file");
  }
  if (std::filesystem::file_size(file, error) > max_file_size || error) {
    throw std::invalid_argument("map file " + file + " is too large or unreadable");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot open map file " + file);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw std::invalid_argument("cannot read map file " + file);
  return parse(std::move(content).str(), file, local_case);
}

std::optional<std::string_view> AddressMap::find(std::string_view mailbox) const {
  const auto k = key(mailbox);
  if (!k) return std::nullopt;
  const auto it = entries_.find(*k);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace recipient_map
