// pass-through: the adaptation service that changes nothing. It keeps every
// RAWDATA part, so what the callout server costs per message can be
// measured without the cost of a real service (bench/callout).
//
// Configuration: none ({} or empty).

#include <memory>
#include <opes/plugin.hpp>
#include <stdexcept>
#include <string_view>

namespace {

using opes::plugin::Part;

class PassThroughTransaction : public opes::plugin::Transaction {
 public:
  void on_part(const Part& part) override {
    // Keep is the default verdict; saying it once, on the last chunk, is
    // the explicit form of "no change" and costs one host call per message.
    if (part.last) keep(part.index);
  }
};

class PassThrough : public opes::plugin::Service {
 public:
  static opes::plugin::ServiceSpec spec() {
    return {.name = "pass-through",
            .uri = "urn:opes-smtp:example:pass-through",
            .adaptive_parts = {"RAWDATA"}};
  }

  explicit PassThrough(std::string_view config) {
    // A service with nothing to configure still refuses what it would ignore.
    for (char c : config) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '{' && c != '}') {
        throw std::invalid_argument("pass-through takes no options");
      }
    }
  }

  std::unique_ptr<opes::plugin::Transaction> begin(const opes::plugin::Metadata&) override {
    return std::make_unique<PassThroughTransaction>();
  }
};

}  // namespace

OPES_PLUGIN("pass-through", "1.0.0", PassThrough)
