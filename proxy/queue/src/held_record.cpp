#include "opes/queue/held_record.hpp"

#include <charconv>
#include <optional>

#include "ocp/smtp/ascii.hpp"
#include "queue_names.hpp"

namespace opes::queue {

namespace {

// Bounds the numbers read, far above anything real, so that the arithmetic
// on them cannot overflow: system_clock counts nanoseconds in 64 bits (up to
// the year 2262), a million attempts.
constexpr std::uint64_t max_received = 9000000000;  // in 2255
constexpr std::uint64_t max_attempts = 1000000;

bool clean_value(std::string_view value) {
  for (const char c : value) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet < 0x20 || octet == 0x7F) return false;
  }
  return true;
}

// The keys of the single-valued fields, in the order they are written.
enum class Field {
  id, domain, sender, sender_dsn, transaction, received, attempts, delay_warned,
  origin_address, origin_port, origin_peer, origin_tls, origin_tls_cipher,
  origin_helo, origin_esmtp, origin_authenticated, origin_protocol, count
};
constexpr std::string_view field_names[] = {
    "Id", "Domain", "Sender", "Sender-DSN", "Transaction", "Received", "Attempts", "Delay-Warned",
    "Origin-Address", "Origin-Port", "Origin-Peer", "Origin-TLS", "Origin-TLS-Cipher",
    "Origin-HELO", "Origin-ESMTP", "Origin-Authenticated", "Origin-Protocol"};
static_assert(std::size(field_names) == static_cast<std::size_t>(Field::count));

std::optional<Field> field_named(std::string_view key) {
  for (std::size_t i = 0; i < std::size(field_names); ++i)
    if (field_names[i] == key) return static_cast<Field>(i);
  return std::nullopt;
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t max) {
  // Digits only: no sign, no spaces, no leading zeros beyond "0" itself, so
  // that one value has one spelling and the round trip is byte-exact.
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  for (const char c : text)
    if (!ocp::smtp::ascii::is_digit(c)) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

std::optional<bool> parse_flag(std::string_view text) {
  if (text == "yes") return true;
  if (text == "no") return false;
  return std::nullopt;
}

void append_line(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += ':';
  if (!value.empty()) {
    out += ' ';
    out += value;
  }
  out += '\n';
}

std::string_view flag(bool value) { return value ? "yes" : "no"; }

}  // namespace

ocp::Expected<std::string, std::string> serialize_record(const HeldRecord& record) {
  if (!is_entry_id(record.id)) return ocp::unexpected(std::string("Id: not an entry id"));
  if (!is_domain_folder(record.domain)) return ocp::unexpected(std::string("Domain: not a folder name"));
  if (record.recipients.empty()) return ocp::unexpected(std::string("Recipient: none"));
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(record.received.time_since_epoch()).count();
  if (seconds < 0 || static_cast<std::uint64_t>(seconds) > max_received)
    return ocp::unexpected(std::string("Received: out of range"));
  if (record.attempts > max_attempts) return ocp::unexpected(std::string("Attempts: out of range"));

  const OriginFacts& origin = record.origin;
  const std::string received = std::to_string(seconds);
  const std::string attempts = std::to_string(record.attempts);
  const std::string port = std::to_string(origin.port);
  const std::string_view values[] = {
      record.id, record.domain, record.sender, record.sender_dsn, record.transaction, received, attempts,
      flag(record.delay_warned), origin.address, port, origin.peer, flag(origin.tls), origin.tls_cipher,
      origin.helo, flag(origin.esmtp), origin.authenticated, origin.protocol};
  static_assert(std::size(values) == std::size(field_names));

  std::string out = "Version: 1\n";
  for (std::size_t i = 0; i < std::size(values); ++i) {
    if (!clean_value(values[i]))
      return ocp::unexpected(std::string(field_names[i]) + ": control character in the value");
    append_line(out, field_names[i], values[i]);
  }
  for (const HeldRecipient& recipient : record.recipients) {
    if (!clean_value(recipient.address) || !clean_value(recipient.dsn))
      return ocp::unexpected(std::string("Recipient: control character in the value"));
    append_line(out, "Recipient", recipient.address);
    if (!recipient.dsn.empty()) append_line(out, "Recipient-DSN", recipient.dsn);
  }
  return out;
}

ocp::Expected<HeldRecord, std::string> parse_record(std::string_view text, const RecordLimits& limits) {
  if (text.size() > limits.max_size)
    return ocp::unexpected("record of " + std::to_string(text.size()) + " octets, over the limit of " +
                           std::to_string(limits.max_size));
  if (text.empty()) return ocp::unexpected(std::string("empty record"));
  // The last line ends in LF: a record cut short is refused, not half read.
  if (text.back() != '\n') return ocp::unexpected(std::string("the last line has no LF"));

  HeldRecord record;
  bool seen[static_cast<std::size_t>(Field::count)] = {};
  bool dsn_allowed = false;  // right after a Recipient line
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const std::string where = "line " + std::to_string(number) + ": ";
    if (line.size() > limits.max_line)
      return ocp::unexpected(where + "longer than " + std::to_string(limits.max_line) + " octets");
    if (!clean_value(line)) return ocp::unexpected(where + "control character");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ocp::unexpected(where + "no colon");
    const std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (!value.empty()) {
      if (value[0] != ' ' || value.size() == 1)
        return ocp::unexpected(where + "the colon is not followed by one space and a value");
      value.remove_prefix(1);
    }

    if (number == 1) {
      if (key != "Version") return ocp::unexpected(where + "not a Version line");
      if (value != "1") return ocp::unexpected(where + "unknown version " + std::string(value));
      continue;
    }
    if (key == "Recipient") {
      if (record.recipients.size() >= limits.max_recipients)
        return ocp::unexpected(where + "more than " + std::to_string(limits.max_recipients) + " recipients");
      if (value.empty()) return ocp::unexpected(where + "empty Recipient");
      record.recipients.push_back({std::string(value), {}});
      dsn_allowed = true;
      continue;
    }
    if (key == "Recipient-DSN") {
      if (!dsn_allowed) return ocp::unexpected(where + "Recipient-DSN not right after its Recipient");
      record.recipients.back().dsn = std::string(value);
      dsn_allowed = false;
      continue;
    }
    dsn_allowed = false;
    const auto field = field_named(key);
    if (!field) return ocp::unexpected(where + "unknown key " + std::string(key));
    auto& was_seen = seen[static_cast<std::size_t>(*field)];
    if (was_seen) return ocp::unexpected(where + "second " + std::string(key));
    was_seen = true;

    const auto bad = [&](std::string_view why) {
      return ocp::unexpected(where + std::string(key) + " " + std::string(why));
    };
    OriginFacts& origin = record.origin;
    switch (*field) {
      case Field::id:
        if (!is_entry_id(value)) return bad("is not an entry id");
        record.id = std::string(value);
        break;
      case Field::domain:
        if (!is_domain_folder(value)) return bad("is not a domain folder name");
        record.domain = std::string(value);
        break;
      case Field::sender: record.sender = std::string(value); break;
      case Field::sender_dsn: record.sender_dsn = std::string(value); break;
      case Field::transaction: record.transaction = std::string(value); break;
      case Field::received: {
        const auto seconds = parse_number(value, max_received);
        if (!seconds) return bad("is not a time in seconds");
        record.received = Clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(*seconds)));
        break;
      }
      case Field::attempts: {
        const auto attempts = parse_number(value, max_attempts);
        if (!attempts) return bad("is not a count");
        record.attempts = static_cast<unsigned>(*attempts);
        break;
      }
      case Field::delay_warned: {
        const auto yes = parse_flag(value);
        if (!yes) return bad("is neither yes nor no");
        record.delay_warned = *yes;
        break;
      }
      case Field::origin_address: origin.address = std::string(value); break;
      case Field::origin_port: {
        const auto port = parse_number(value, 65535);
        if (!port) return bad("is not a port");
        origin.port = static_cast<std::uint16_t>(*port);
        break;
      }
      case Field::origin_peer: origin.peer = std::string(value); break;
      case Field::origin_tls: {
        const auto yes = parse_flag(value);
        if (!yes) return bad("is neither yes nor no");
        origin.tls = *yes;
        break;
      }
      case Field::origin_tls_cipher: origin.tls_cipher = std::string(value); break;
      case Field::origin_helo: origin.helo = std::string(value); break;
      case Field::origin_esmtp: {
        const auto yes = parse_flag(value);
        if (!yes) return bad("is neither yes nor no");
        origin.esmtp = *yes;
        break;
      }
      case Field::origin_authenticated: origin.authenticated = std::string(value); break;
      case Field::origin_protocol: origin.protocol = std::string(value); break;
      case Field::count: break;
    }
  }
  for (std::size_t i = 0; i < std::size(field_names); ++i)
    if (!seen[i]) return ocp::unexpected("no " + std::string(field_names[i]) + " line");
  if (record.recipients.empty()) return ocp::unexpected(std::string("no Recipient line"));
  return record;
}

}  // namespace opes::queue
