#include "opes/host/host_policy.hpp"

#include <array>
#include <charconv>

namespace opes::host {

namespace {

/// IPv4-mapped IPv6 addresses (::ffff:0:0/96) as the IPv4 address they
/// carry, so that a rule for 192.0.2.0/24 covers ::ffff:192.0.2.1 too.
address unmapped(const address& candidate) {
  if (candidate.is_v6() && candidate.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, candidate.to_v6());
  return candidate;
}

std::array<unsigned char, 16> octets(const address& candidate, std::size_t& count) {
  std::array<unsigned char, 16> out{};
  if (candidate.is_v4()) {
    const auto bytes = candidate.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.begin());
    count = 4;
  } else {
    out = candidate.to_v6().to_bytes();
    count = 16;
  }
  return out;
}

bool same_prefix(const address& a, const address& b, unsigned bits) {
  std::size_t count_a = 0;
  std::size_t count_b = 0;
  const auto x = octets(a, count_a);
  const auto y = octets(b, count_b);
  if (count_a != count_b) return false;
  for (unsigned i = 0; i < bits; ++i) {
    const unsigned mask = 0x80u >> (i % 8);
    if ((x[i / 8] & mask) != (y[i / 8] & mask)) return false;
  }
  return true;
}

address masked(const address& candidate, unsigned bits) {
  std::size_t count = 0;
  auto bytes = octets(candidate, count);
  for (std::size_t i = 0; i < count * 8; ++i)
    if (i >= bits) bytes[i / 8] &= static_cast<unsigned char>(~(0x80u >> (i % 8)));
  if (count == 4) return boost::asio::ip::address_v4({bytes[0], bytes[1], bytes[2], bytes[3]});
  return boost::asio::ip::address_v6(bytes);
}

}  // namespace

bool Network::contains(const address& candidate) const {
  const address here = unmapped(candidate);
  if (here.is_v4() != base.is_v4()) return false;
  return same_prefix(base, here, bits);
}

bool Network::inside(const Network& outer) const {
  if (base.is_v4() != outer.base.is_v4()) return false;
  return bits >= outer.bits && outer.contains(base);
}

std::optional<Network> parse_network(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  if (address_text.empty() || address_text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  address parsed = boost::asio::ip::make_address(std::string(address_text), ec);
  if (ec) return std::nullopt;
  const unsigned full = parsed.is_v4() ? 32 : 128;
  unsigned bits = full;
  if (slash != std::string_view::npos) {
    const std::string_view bits_text = text.substr(slash + 1);
    if (bits_text.empty() || bits_text.size() > 3) return std::nullopt;
    const auto [end, error] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
    if (error != std::errc() || end != bits_text.data() + bits_text.size() || bits > full) return std::nullopt;
  }
  // ::ffff:192.0.2.0/120 is 192.0.2.0/24: contains() compares mapped
  // addresses as IPv4.
  if (parsed.is_v6() && parsed.to_v6().is_v4_mapped() && bits >= 96) {
    parsed = unmapped(parsed);
    bits -= 96;
  }
  Network network;
  network.base = masked(parsed, bits);
  network.bits = bits;
  network.text = std::string(text);
  return network;
}

}  // namespace opes::host
