// content-filter: answers the message data (RAWDATA) with a rejection, or
// with Quarantine/Discard advice, when its header section or its body
// contains one of the configured literal patterns. It streams: nothing is
// buffered, each chunk is scanned once, and the scan state carries over
// chunk boundaries.
//
// Configuration:
//   {"patterns": ["..."],          // searched in headers and body
//    "header_patterns": ["..."],   // headers only
//    "body_patterns": ["..."],     // body only
//    "case_insensitive": true,     // ASCII letters; default true
//    "action": "reject",           // or "quarantine", "discard"
//    "reply": "550 5.7.1 Message content rejected"}   // with "reject"

#include <memory>
#include <nlohmann/json.hpp>
#include <opes/plugin.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "literal_matcher.hpp"
#include "section_tracker.hpp"

namespace {

using content_filter::LiteralMatcher;
using content_filter::SectionTracker;
using nlohmann::json;
using opes::plugin::Part;

// Bounds on the configuration keep the automaton small (one node per
// pattern octet at most).
constexpr std::size_t max_patterns = 10000;
constexpr std::size_t max_pattern_size = 1024;

enum class Action { Reject, Quarantine, Discard };

struct Settings {
  std::vector<std::string> header_patterns;  // "patterns" + "header_patterns"
  std::vector<std::string> body_patterns;    // "patterns" + "body_patterns"
  bool case_insensitive = true;
  Action action = Action::Reject;
  std::string reply = "550 5.7.1 Message content rejected";
};

std::vector<std::string> pattern_list(const json& config, const char* key) {
  std::vector<std::string> out;
  if (!config.contains(key)) return out;
  const json& list = config.at(key);
  if (!list.is_array()) throw std::invalid_argument(std::string("\"") + key + "\" is not an array");
  for (const json& item : list) {
    std::string pattern = item.get<std::string>();
    if (pattern.empty())
      throw std::invalid_argument(std::string("empty pattern in \"") + key + "\"");
    if (pattern.size() > max_pattern_size) {
      throw std::invalid_argument(std::string("pattern longer than 1024 octets in \"") + key +
                                  "\"");
    }
    out.push_back(std::move(pattern));
  }
  return out;
}

// The host checks replies fully when they are used; checking the shape here
// reports a mistake when the instance is configured, not on the first match.
void check_reply(const std::string& reply) {
  const bool code = reply.size() >= 3 && (reply[0] == '4' || reply[0] == '5') && reply[1] >= '0' &&
                    reply[1] <= '5' && reply[2] >= '0' && reply[2] <= '9';
  if (!code || (reply.size() > 3 && reply[3] != ' ') ||
      reply.find_first_of("\r\n") != std::string::npos) {
    throw std::invalid_argument(
        "reply must be one SMTP reply line with a 4yz or 5yz code, e.g. "
        "\"550 5.7.1 Message content rejected\"");
  }
}

Settings parse_settings(std::string_view text) {
  try {
    const json config = json::parse(text);
    if (!config.is_object()) throw std::invalid_argument("configuration is not a JSON object");
    static const std::set<std::string> known{"patterns",         "header_patterns", "body_patterns",
                                             "case_insensitive", "action",          "reply"};
    for (const auto& [key, unused] : config.items()) {
      if (!known.count(key))
        throw std::invalid_argument("unknown configuration key \"" + key + "\"");
    }
    Settings s;
    const auto both = pattern_list(config, "patterns");
    s.header_patterns = both;
    s.body_patterns = both;
    for (auto& p : pattern_list(config, "header_patterns"))
      s.header_patterns.push_back(std::move(p));
    for (auto& p : pattern_list(config, "body_patterns")) s.body_patterns.push_back(std::move(p));
    if (s.header_patterns.empty() && s.body_patterns.empty()) {
      throw std::invalid_argument("no patterns configured");
    }
    if (s.header_patterns.size() + s.body_patterns.size() > 2 * max_patterns) {
      throw std::invalid_argument("too many patterns");
    }
    s.case_insensitive = config.value("case_insensitive", true);
    const std::string action = config.value("action", "reject");
    if (action == "reject")
      s.action = Action::Reject;
    else if (action == "quarantine")
      s.action = Action::Quarantine;
    else if (action == "discard")
      s.action = Action::Discard;
    else
      throw std::invalid_argument("action is \"reject\", \"quarantine\" or \"discard\"");
    if (config.contains("reply")) {
      if (s.action != Action::Reject)
        throw std::invalid_argument("\"reply\" goes with action \"reject\"");
      s.reply = config.at("reply").get<std::string>();
    }
    check_reply(s.reply);
    return s;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("invalid configuration: ") + e.what());
  }
}

struct Matchers {
  Settings settings;
  LiteralMatcher headers{settings.header_patterns, settings.case_insensitive};
  LiteralMatcher body{settings.body_patterns, settings.case_insensitive};
};

class FilterTransaction : public opes::plugin::Transaction {
 public:
  explicit FilterTransaction(const Matchers& matchers) : m_(matchers) {}

  void on_part(const Part& part) override {
    if (part.name != "RAWDATA" || !part.adaptive || matched_) return;
    std::string_view data = part.data;
    if (!sections_.in_body()) {
      const std::size_t header = sections_.header_octets(data);
      if (m_.headers.scan(header_state_, data.substr(0, header)))
        return answer(part.index, "header");
      data.remove_prefix(header);
    }
    if (m_.body.scan(body_state_, data)) answer(part.index, "body");
  }

 private:
  void answer(opes::plugin::PartIndex part, const char* where) {
    matched_ = true;
    log(opes::plugin::LogLevel::Info, std::string("pattern matched in the ") + where);
    switch (m_.settings.action) {
      case Action::Reject:
        reject(part, m_.settings.reply);
        break;
      case Action::Quarantine:
        advise(part, opes::plugin::Advice::Quarantine);
        break;
      case Action::Discard:
        advise(part, opes::plugin::Advice::Discard);
        break;
    }
  }

  const Matchers& m_;
  SectionTracker sections_;
  LiteralMatcher::State header_state_;
  LiteralMatcher::State body_state_;
  bool matched_ = false;
};

class ContentFilter : public opes::plugin::Service {
 public:
  static opes::plugin::ServiceSpec spec() {
    return {.name = "content-filter",
            .uri = "urn:opes-smtp:service:content-filter",
            .adaptive_parts = {"RAWDATA"}};
  }

  explicit ContentFilter(std::string_view config)
      : matchers_(std::make_unique<Matchers>(Matchers{parse_settings(config)})) {}

  std::unique_ptr<opes::plugin::Transaction> begin(const opes::plugin::Metadata&) override {
    return std::make_unique<FilterTransaction>(*matchers_);
  }

 private:
  const std::unique_ptr<const Matchers> matchers_;
};

}  // namespace

OPES_PLUGIN("content-filter", "1.0.0", ContentFilter)
