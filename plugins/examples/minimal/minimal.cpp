// A complete OPES-SMTP plugin: the service "deny-recipient" answers the RCPT
// command of one configured address with an SMTP rejection.
//
// Configuration: {"recipient": "spamtrap@example.com",
//                 "reply": "550 5.1.1 Recipient rejected"}   (reply optional)

#include <memory>
#include <nlohmann/json.hpp>
#include <opes/plugin.hpp>
#include <string>
#include <string_view>

namespace {

using opes::plugin::Part;

class DenyRecipientTransaction : public opes::plugin::Transaction {
 public:
  DenyRecipientTransaction(const std::string& path, const std::string& reply)
      : path_(path), reply_(reply) {}

  void on_part(const Part& part) override {
    // A RCPT part is "<address>" followed by any ESMTP parameters.
    if (part.name == "RCPT" && part.data.substr(0, path_.size()) == path_) {
      reject(part.index, reply_);
    }
  }

 private:
  const std::string& path_;
  const std::string& reply_;
};

class DenyRecipient : public opes::plugin::Service {
 public:
  static opes::plugin::ServiceSpec spec() {
    return {.name = "deny-recipient",
            .uri = "urn:opes-smtp:example:deny-recipient",
            .adaptive_parts = {"RCPT"}};
  }

  // Throwing here refuses the configuration; the host shows the message.
  explicit DenyRecipient(std::string_view config) {
    const auto json = nlohmann::json::parse(config);
    path_ = "<" + json.at("recipient").get<std::string>() + ">";
    reply_ = json.value("reply", "550 5.1.1 Recipient rejected");
  }

  std::unique_ptr<opes::plugin::Transaction> begin(const opes::plugin::Metadata&) override {
    return std::make_unique<DenyRecipientTransaction>(path_, reply_);
  }

 private:
  std::string path_;
  std::string reply_;
};

}  // namespace

OPES_PLUGIN("minimal", "1.0.0", DenyRecipient)
