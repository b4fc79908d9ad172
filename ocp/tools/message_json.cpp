#include "message_json.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace ocp::tools {

namespace {

/// Well-formed UTF-8 as RFC 3629 defines it: no overlong forms, no
/// surrogates, nothing above U+10FFFF. nlohmann::json refuses to dump
/// anything else, and a debugging tool must not fail on hostile octets.
bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t continuation = 0;
    unsigned char low = 0x80;  // allowed range of the second octet
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (text.size() - i <= continuation) return false;
    for (std::size_t k = 1; k <= continuation; ++k) {
      const auto octet = static_cast<unsigned char>(text[i + k]);
      const unsigned char min = k == 1 ? low : 0x80;
      const unsigned char max = k == 1 ? high : 0xBF;
      if (octet < min || octet > max) return false;
    }
    i += continuation + 1;
  }
  return true;
}

std::uint32_t octet_at(std::string_view octets, std::size_t i) {
  return static_cast<unsigned char>(octets[i]);
}

/// RFC 4648 §4 base64, with padding.
std::string base64(std::string_view octets) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((octets.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < octets.size(); i += 3) {
    const std::size_t count = std::min<std::size_t>(3, octets.size() - i);
    std::uint32_t group = octet_at(octets, i) << 16;
    if (count > 1) group |= octet_at(octets, i + 1) << 8;
    if (count > 2) group |= octet_at(octets, i + 2);
    out += kAlphabet[group >> 18 & 0x3F];
    out += kAlphabet[group >> 12 & 0x3F];
    out += count > 1 ? kAlphabet[group >> 6 & 0x3F] : '=';
    out += count > 2 ? kAlphabet[group & 0x3F] : '=';
  }
  return out;
}

Json values_to_json(const std::vector<Value>& values) {
  Json array = Json::array();
  for (const Value& value : values) array.push_back(value_to_json(value));
  return array;
}

Json named_values_to_json(const std::vector<NamedValue>& named) {
  Json array = Json::array();
  for (const NamedValue& named_value : named) array.push_back(named_value_to_json(named_value));
  return array;
}

}  // namespace

Json value_to_json(const Value& value) {
  return std::visit(
      [](const auto& node) -> Json {
        using Node = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<Node, Atom>) {
          if (is_valid_utf8(node.bytes)) return node.bytes;
          return Json{{"base64", base64(node.bytes)}};
        } else if constexpr (std::is_same_v<Node, List>) {
          return values_to_json(node.items);
        } else {
          return Json{{"anonymous", values_to_json(node.anonymous)},
                      {"named", named_values_to_json(node.named)}};
        }
      },
      value.node);
}

Json named_value_to_json(const NamedValue& named_value) {
  Json json{{"name", named_value.name}, {"value", value_to_json(named_value.value)}};
  if (!named_value.extra_values.empty())
    json["extra_values"] = values_to_json(named_value.extra_values);
  return json;
}

Json message_to_json(const Message& message) {
  Json json{{"name", message.name},
            {"anonymous", values_to_json(message.anonymous)},
            {"named", named_values_to_json(message.named)}};
  if (message.payload) {
    const std::string_view octets = message.payload->view();
    Json payload{{"size", octets.size()}};
    if (is_valid_utf8(octets)) {
      payload["text"] = octets;
    } else {
      payload["base64"] = base64(octets);
    }
    json["payload"] = std::move(payload);
  }
  return json;
}

Json catalog_check_to_json(const Message& message, const DecodeOptions& options) {
  auto decoded = decode(message, options);
  if (!decoded) return Json{{"valid", false}, {"error", decoded.error().describe()}};
  if (std::holds_alternative<UnknownMessage>(*decoded)) return Json{{"known", false}};
  return Json{{"valid", true}};
}

}  // namespace ocp::tools
