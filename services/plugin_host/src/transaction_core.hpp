#pragma once
// The host side of one transaction: feeds the plugin, buffers whole parts,
// checks and records the plugin's answers, and turns every failure into a
// Failed result while making sure the plugin's transaction is released
// exactly once (opes/plugin.h, LIFECYCLE).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host_handles.hpp"
#include "instance_core.hpp"
#include "opes/plugin.h"
#include "opes/plugin_host/allow.hpp"
#include "opes/plugin_host/error.hpp"
#include "opes/plugin_host/expected.hpp"
#include "opes/plugin_host/metadata.hpp"
#include "opes/plugin_host/verdict.hpp"

namespace opes::plugin_host::detail {

class TransactionCore : public opes_host_transaction {
 public:
  explicit TransactionCore(std::shared_ptr<InstanceCore> instance);
  TransactionCore(const TransactionCore&) = delete;
  TransactionCore& operator=(const TransactionCore&) = delete;
  ~TransactionCore();

  Expected<void, Error> begin(const Metadata& metadata);
  Expected<PartIndex, Error> feed(std::string_view part, std::string_view bytes, bool last,
                                  Allow allow, bool may_adapt);
  const PartVerdict* verdict(PartIndex part) const noexcept;
  const TransactionResult& end_of_message();
  void abort() noexcept;
  bool is_open() const noexcept { return state_ == State::Open; }
  const TransactionResult& result() const noexcept { return result_; }

  // opes_host_api entry points. Each returns OPES_ERROR, and fails the
  // transaction, when it refuses the answer.
  void transaction_error(std::string_view text);
  opes_status keep(PartIndex part);
  opes_status replace(PartIndex part, std::string_view content);
  opes_status reject(PartIndex part, std::string_view reply);
  opes_status add_header(PartIndex part, std::string_view field);
  opes_status advise(PartIndex part, std::int32_t advice);

 private:
  enum class State { Starting, Open, Ended, Failed, Aborted };
  enum class Role { Adaptive, Informative, PassedOver };

  struct PartRecord {
    std::string name;
    Role role;
    Allow allow;
    bool settled = false;
    std::size_t verdict = 0;  // index into result_.verdicts when Adaptive
  };

  Expected<void, Error> deliver(PartIndex index, std::string_view bytes, bool last);
  // Runs one plugin call; answers are accepted only while it runs.
  template <class Call>
  opes_status call_plugin(Call call);
  // After a call: the plugin's own error return, or an answer refused inside it.
  Expected<void, Error> after_call(opes_status status, std::string_view what);
  PartVerdict* answerable(PartIndex part, std::string_view answer);
  opes_status refuse(std::string why);
  // The plugin failed (error return): release only.
  Unexpected<Error> plugin_failed(std::string_view what);
  // The host gives up (limit, misuse, refused answer): abort, then release.
  Unexpected<Error> host_failed(Errc code, std::string why);
  void release() noexcept;

  std::shared_ptr<InstanceCore> instance_;
  opes_transaction* plugin_tx_ = nullptr;
  State state_ = State::Starting;
  bool in_call_ = false;
  std::optional<std::string> refused_;  // why an answer was refused during the current call
  std::string reported_error_;          // first transaction_error text
  std::vector<PartRecord> parts_;
  std::optional<PartIndex> open_part_;
  std::string buffer_;  // the open part's chunks, for whole-part services
  std::size_t added_headers_ = 0;
  TransactionResult result_;
};

}  // namespace opes::plugin_host::detail
