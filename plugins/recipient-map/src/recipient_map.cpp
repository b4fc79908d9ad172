// recipient-map: rewrites the address of RCPT commands from a map file
// (RFC 4496 §4.7, address rewriting). The RCPT part holds the forward-path
// and its ESMTP parameters, without "TO:" (ocp-digest A-20); parameters are
// kept as they are, only the address changes.
//
// Configuration: {"map_file": "/etc/opes/recipients.map",
//                 "local_part_case": "insensitive" | "sensitive"}
// The map is read once, when the instance is created.

#include <memory>
#include <nlohmann/json.hpp>
#include <opes/plugin.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "address_map.hpp"

namespace {

using nlohmann::json;
using opes::plugin::Part;
using recipient_map::AddressMap;
using recipient_map::LocalPartCase;

struct ForwardPath {
  std::string_view mailbox;  // local@domain, source route removed
  std::string_view rest;     // everything after the path: " NOTIFY=NEVER ..."
};

// RFC 5321 §4.1.2 Forward-path = "<" [ A-d-l ":" ] Mailbox ">". Also takes a
// bare mailbox (draft Figure 15 shows MAIL without brackets).
std::optional<ForwardPath> parse_forward_path(std::string_view data) {
  std::size_t i = 0;
  while (i < data.size() && (data[i] == ' ' || data[i] == '\t')) ++i;
  data.remove_prefix(i);
  std::string_view path;
  std::string_view rest;
  if (!data.empty() && data.front() == '<') {
    // The closing '>' outside a quoted local part; '\' escapes inside quotes.
    bool quoted = false;
    std::size_t end = 1;
    for (; end < data.size(); ++end) {
      const char c = data[end];
      if (quoted && c == '\\') {
        ++end;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '>' && !quoted) {
        break;
      }
    }
    if (end >= data.size()) return std::nullopt;
    path = data.substr(1, end - 1);
    rest = data.substr(end + 1);
  } else {
    const std::size_t end = data.find_first_of(" \t");
    path = data.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : data.substr(end);
  }
  // RFC 5321 §3.3: a source route "@a,@b:" may be present and SHOULD be
  // ignored; the rewritten path does not carry it.
  if (!path.empty() && path.front() == '@') {
    const std::size_t colon = path.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    path.remove_prefix(colon + 1);
  }
  if (path.empty()) return std::nullopt;
  return ForwardPath{path, rest};
}

AddressMap load_map(std::string_view text) {
  try {
    const json config = json::parse(text);
    if (!config.is_object()) throw std::invalid_argument("configuration is not a JSON object");
    static const std::set<std::string> known{"map_file", "local_part_case"};
    for (const auto& [key, unused] : config.items()) {
      if (!known.count(key))
        throw std::invalid_argument("unknown configuration key \"" + key + "\"");
    }
    const std::string file = config.at("map_file").get<std::string>();
    const std::string local_case = config.value("local_part_case", "insensitive");
    if (local_case != "insensitive" && local_case != "sensitive") {
      throw std::invalid_argument("local_part_case is \"insensitive\" or \"sensitive\"");
    }
    return AddressMap::load(
        file, local_case == "sensitive" ? LocalPartCase::Sensitive : LocalPartCase::Insensitive);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("invalid configuration: ") + e.what());
  }
}

class RecipientMapTransaction : public opes::plugin::Transaction {
 public:
  explicit RecipientMapTransaction(const AddressMap& map) : map_(map) {}

  void on_part(const Part& part) override {
    if (part.name != "RCPT" || !part.adaptive) return;
    const auto path = parse_forward_path(part.data);
    if (!path) return;  // not ours to judge: the MTA answers a malformed RCPT
    const auto target = map_.find(path->mailbox);
    if (!target) return;
    std::string rewritten;
    rewritten.reserve(target->size() + path->rest.size() + 2);
    rewritten += '<';
    rewritten += *target;
    rewritten += '>';
    rewritten += path->rest;
    replace(part.index, rewritten);
  }

 private:
  const AddressMap& map_;
};

class RecipientMap : public opes::plugin::Service {
 public:
  static opes::plugin::ServiceSpec spec() {
    return {.name = "recipient-map",
            .uri = "urn:opes-smtp:service:recipient-map",
            .adaptive_parts = {"RCPT"}};
  }

  explicit RecipientMap(std::string_view config) : map_(load_map(config)) {}

  std::unique_ptr<opes::plugin::Transaction> begin(const opes::plugin::Metadata&) override {
    return std::make_unique<RecipientMapTransaction>(map_);
  }

 private:
  const AddressMap map_;
};

}  // namespace

OPES_PLUGIN("recipient-map", "1.0.0", RecipientMap)
