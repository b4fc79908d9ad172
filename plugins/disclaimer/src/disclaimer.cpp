// disclaimer: appends a configured footer to the text of every message: to
// the body of a plain-text message, or to the first text/plain part of a
// MIME message, in that part's transfer encoding. It needs the whole
// message, so it asks the host for whole parts (the host buffers RAWDATA
// up to its limit). docs/plugins/disclaimer.md says which messages are
// left alone and why.
//
// Configuration: {"footer": "--\nSent through Example Corp's gateway."}

#include <memory>
#include <nlohmann/json.hpp>
#include <opes/plugin.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "footer_insertion.hpp"

namespace {

using nlohmann::json;
using opes::plugin::Part;

disclaimer::Footer parse_config(std::string_view text) {
  try {
    const json config = json::parse(text);
    if (!config.is_object()) throw std::invalid_argument("configuration is not a JSON object");
    for (const auto& [key, unused] : config.items()) {
      if (key != "footer") throw std::invalid_argument("unknown configuration key \"" + key + "\"");
    }
    return disclaimer::Footer(config.at("footer").get<std::string>());
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("invalid configuration: ") + e.what());
  }
}

class DisclaimerTransaction : public opes::plugin::Transaction {
 public:
  explicit DisclaimerTransaction(const disclaimer::Footer& footer) : footer_(footer) {}

  void on_part(const Part& part) override {
    if (part.name != "RAWDATA" || !part.adaptive) return;
    // Delivery::WholeParts: this is the complete message.
    disclaimer::Insertion result = disclaimer::add_footer(part.data, footer_);
    if (result.message) {
      replace(part.index, *result.message);
    } else {
      log(opes::plugin::LogLevel::Debug, "message left unchanged: " + result.skipped);
    }
  }

 private:
  const disclaimer::Footer& footer_;
};

class Disclaimer : public opes::plugin::Service {
 public:
  static opes::plugin::ServiceSpec spec() {
    return {.name = "disclaimer",
            .uri = "urn:opes-smtp:service:disclaimer",
            .adaptive_parts = {"RAWDATA"},
            .delivery = opes::plugin::Delivery::WholeParts};
  }

  explicit Disclaimer(std::string_view config) : footer_(parse_config(config)) {}

  std::unique_ptr<opes::plugin::Transaction> begin(const opes::plugin::Metadata&) override {
    return std::make_unique<DisclaimerTransaction>(footer_);
  }

 private:
  const disclaimer::Footer footer_;
};

}  // namespace

OPES_PLUGIN("disclaimer", "1.0.0", Disclaimer)
