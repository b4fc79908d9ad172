// header-stamp: adds configured header fields to every message, through the
// Add-Header parameter (draft-ietf-opes-smtp-00 §3.3.5) on the message data
// part, so the message content itself never travels back.
//
// Two services, because a service's am-parts are fixed and RAWDATA excludes
// ALLHEADERS (§3.2.1): "header-stamp" answers on RAWDATA, which every
// processor can send; "header-stamp-headers" answers on ALLHEADERS, for a
// processor that splits the message and then need not send the body.
// Both stream: the answer is given on the first chunk, nothing is buffered.
//
// Configuration: {"name": "X-Scanned-By", "value": "OPES-SMTP"}
//            or: {"headers": [{"name": "...", "value": "..."}, ...]}

#include <memory>
#include <nlohmann/json.hpp>
#include <opes/plugin.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using nlohmann::json;
using opes::plugin::Part;

// RFC 5322 §3.6.8: field-name = 1*ftext, printable US-ASCII except ':'.
void check_name(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("header name is empty");
  for (char c : name) {
    if (c < 33 || c > 126 || c == ':') {
      throw std::invalid_argument("header name \"" + name +
                                  "\" has a character not allowed in a field name");
    }
  }
}

// Unstructured text on one line: no CR, LF or other control characters
// (a configured value must not be able to start a second header field), and
// US-ASCII only (RFC 5322 §2.2; the host refuses anything else, so such a
// value would fail every transaction instead of the configuration).
void check_value(const std::string& value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 32 && c != '\t') || u == 127) {
      throw std::invalid_argument("header value contains a control character or line break");
    }
    if (u > 127) {
      throw std::invalid_argument("header value is not US-ASCII (use an RFC 2047 encoded-word)");
    }
  }
}

std::string make_field(const json& entry) {
  if (!entry.is_object())
    throw std::invalid_argument("a header is an object {\"name\", \"value\"}");
  for (const auto& [key, unused] : entry.items()) {
    if (key != "name" && key != "value")
      throw std::invalid_argument("unknown header key \"" + key + "\"");
  }
  const std::string name = entry.at("name").get<std::string>();
  const std::string value = entry.at("value").get<std::string>();
  check_name(name);
  check_value(value);
  std::string field = name + ": " + value;
  // RFC 5322 §2.1.1: a line is at most 998 octets; this plugin does not fold.
  if (field.size() > 998)
    throw std::invalid_argument("header field \"" + name + "\" is longer than 998 octets");
  return field;
}

std::vector<std::string> parse_config(std::string_view text) {
  try {
    const json config = json::parse(text);
    if (!config.is_object()) throw std::invalid_argument("configuration is not a JSON object");
    static const std::set<std::string> known{"name", "value", "headers"};
    for (const auto& [key, unused] : config.items()) {
      if (!known.count(key))
        throw std::invalid_argument("unknown configuration key \"" + key + "\"");
    }
    std::vector<std::string> fields;
    if (config.contains("headers")) {
      if (config.contains("name") || config.contains("value")) {
        throw std::invalid_argument("give either \"headers\" or \"name\" and \"value\", not both");
      }
      const json& headers = config.at("headers");
      if (!headers.is_array()) throw std::invalid_argument("\"headers\" is not an array");
      for (const json& entry : headers) fields.push_back(make_field(entry));
    } else {
      fields.push_back(make_field(config));
    }
    if (fields.empty()) throw std::invalid_argument("no header configured");
    return fields;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("invalid configuration: ") + e.what());
  }
}

class StampTransaction : public opes::plugin::Transaction {
 public:
  explicit StampTransaction(const std::vector<std::string>& fields) : fields_(fields) {}

  void on_part(const Part& part) override {
    if (stamped_ || !part.adaptive) return;
    stamped_ = true;
    // Nothing else this service could do instead: leave the message as it
    // is rather than fail the transaction.
    if (!part.allows_add_header()) {
      log(opes::plugin::LogLevel::Warning,
          "the processor does not accept Add-Header here; message not stamped");
      return;
    }
    for (const std::string& field : fields_) add_header(part.index, field);
  }

 private:
  const std::vector<std::string>& fields_;  // owned by the service, which outlives us
  bool stamped_ = false;
};

class HeaderStampBase : public opes::plugin::Service {
 public:
  explicit HeaderStampBase(std::string_view config) : fields_(parse_config(config)) {}

  std::unique_ptr<opes::plugin::Transaction> begin(const opes::plugin::Metadata&) override {
    return std::make_unique<StampTransaction>(fields_);
  }

 private:
  const std::vector<std::string> fields_;
};

class HeaderStamp : public HeaderStampBase {
 public:
  using HeaderStampBase::HeaderStampBase;
  static opes::plugin::ServiceSpec spec() {
    return {.name = "header-stamp",
            .uri = "urn:opes-smtp:service:header-stamp",
            .adaptive_parts = {"RAWDATA"}};
  }
};

class HeaderStampOnHeaders : public HeaderStampBase {
 public:
  using HeaderStampBase::HeaderStampBase;
  static opes::plugin::ServiceSpec spec() {
    return {.name = "header-stamp-headers",
            .uri = "urn:opes-smtp:service:header-stamp-headers",
            .adaptive_parts = {"ALLHEADERS"}};
  }
};

}  // namespace

OPES_PLUGIN("header-stamp", "1.0.0", HeaderStamp, HeaderStampOnHeaders)
