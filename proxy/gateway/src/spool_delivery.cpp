// Delivery into the local spool when no upstream MTA is configured: the
// product works on its own, and a message gets its 250 only once its file is
// complete and durable (spool.hpp).

#include "ocp/smtp/ascii.hpp"
#include "opes/proxy/delivery.hpp"
#include "opes/proxy/spool.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

class SpoolDelivery final : public Delivery {
 public:
  SpoolDelivery(std::filesystem::path directory, SpoolPurpose purpose)
      : directory_(std::move(directory)), purpose_(purpose) {}

  asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) override {
    abort();
    envelope_ = Envelope{reverse_path.path, {}, dsn_parameters(reverse_path), {}};
    co_return Reply{250, {"2.1.0 Ok"}};
  }

  asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) override {
    envelope_.recipients.push_back(forward_path.path);
    envelope_.recipient_dsn.push_back(dsn_parameters(forward_path));
    co_return Reply{250, {"2.1.5 Ok"}};
  }

  asio::awaitable<std::optional<Reply>> begin_data() override {
    auto created = SpoolMessage::create(directory_, envelope_);
    if (!created) co_return storage_failure(created.error());
    message_.emplace(std::move(*created));
    failure_.reset();
    co_return std::nullopt;
  }

  asio::awaitable<void> write_data(std::string_view content) override {
    if (!message_ || failure_) co_return;
    if (auto written = message_->write(content); !written) failure_ = written.error();
    co_return;
  }

  asio::awaitable<Reply> end_data() override {
    if (!message_) co_return storage_failure("no message was started");
    if (failure_) {
      abort();
      co_return storage_failure(*failure_);
    }
    auto committed = message_->commit();
    message_.reset();
    if (!committed) co_return storage_failure(committed.error());
    if (purpose_ == SpoolPurpose::quarantine) {
      log(LogLevel::info, "proxy.quarantined",
          {{"transaction", client_.ident}, {"file", committed->string()}});
      co_return Reply::line(250, "2.0.0 Ok: quarantined as " + committed->filename().string());
    }
    log(LogLevel::info, "spool.stored", {{"file", committed->string()}});
    co_return Reply{250, {"2.0.0 Ok: queued as " + committed->filename().string()}};
  }

  asio::awaitable<void> reset() override {
    abort();
    envelope_ = {};
    co_return;
  }

  void abort() override {
    if (message_) message_->abort();
    message_.reset();
  }

  asio::awaitable<void> quit() override {
    abort();
    co_return;
  }

  std::string describe() const override {
    return (purpose_ == SpoolPurpose::quarantine ? "quarantine " : "spool ") + directory_.string();
  }

  /// Only the transaction id is used: it names the message in the
  /// quarantine's log lines.
  void set_client(const smtp::ForwardedClient& client) override { client_ = client; }

 private:
  Reply storage_failure(const std::string& reason) {
    if (purpose_ == SpoolPurpose::quarantine) {
      log(LogLevel::warning, "proxy.quarantine_failed",
          {{"transaction", client_.ident}, {"quarantine", directory_.string()}, {"cause", reason}});
      return Reply::line(451, "4.3.0 Cannot quarantine the message now, try again later");
    }
    log(LogLevel::error, "spool.failed", {{"spool", directory_.string()}, {"reason", reason}});
    return Reply{451, {"4.3.0 Local storage failed, try again later"}};
  }

  std::filesystem::path directory_;
  SpoolPurpose purpose_;
  smtp::ForwardedClient client_;
  Envelope envelope_;
  std::optional<SpoolMessage> message_;
  std::optional<std::string> failure_;
};

}  // namespace

std::string dsn_parameters(const smtp::PathArgument& argument) {
  std::string out;
  for (const smtp::MailParameter& parameter : argument.parameters) {
    std::string keyword = parameter.keyword;
    for (char& c : keyword) c = ocp::smtp::ascii::to_upper(c);
    if (keyword != "RET" && keyword != "ENVID" && keyword != "NOTIFY" && keyword != "ORCPT") continue;
    if (!out.empty()) out += ' ';
    out += keyword + "=" + parameter.value.value_or("");
  }
  return out;
}

std::unique_ptr<Delivery> make_spool_delivery(std::filesystem::path directory,
                                              SpoolPurpose purpose) {
  return std::make_unique<SpoolDelivery>(std::move(directory), purpose);
}

}  // namespace opes::proxy
