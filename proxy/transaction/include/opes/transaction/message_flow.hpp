#pragma once
// One message's content on its way through the proxy (draft-ietf-opes-smtp
// §3.1, §3.3): cut into the negotiated am-parts and streamed to the callout
// server while the client sends it, the answers put back together, the
// proxy's own header fields inserted, and the adapted message held (in
// memory up to a limit, then in a spill file) until the callout server has
// said all it will say: only then is it known whether the message goes
// upstream, into quarantine, nowhere, or back with an error.

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "opes/transaction/callout_transaction.hpp"
#include "opes/processor/header_prepender.hpp"
#include "opes/processor/message_assembler.hpp"
#include "opes/processor/message_splitter.hpp"
#include "opes/processor/spill_buffer.hpp"

namespace opes::proxy {

struct MessageOutcome {
  enum class Kind {
    deliver,     // output() is the adapted message
    reject,      // the callout server answered the content with `reply`
    discard,     // Advice: discard
    quarantine,  // Advice: quarantine; output() is the adapted message
    failed,      // adaptation failed (`reason`); the failure policy decides
    local_error, // the message broke a limit or the disk failed: `reply`
  };
  Kind kind = Kind::deliver;
  std::optional<ocp::smtp::Reply> reply;
  std::string reason;
  std::string service;  // reject: the refusing service, when the callout server named it
};

/// 451 4.3.0: the proxy itself could not go on (the spill file, the disk).
ocp::smtp::Reply local_error_reply();

struct MessageFlowSettings {
  std::filesystem::path spill_directory;
  std::size_t memory_buffer = std::size_t{1} << 20;
  std::size_t max_header_section = std::size_t{1} << 20;
  /// Keep the original as well, for a failure policy that passes it on.
  bool keep_original = false;
};

class MessageFlow {
 public:
  /// `adaptation` null: the message is not adapted (no service to run, or
  /// the failure policy passes it); `insertion` holds the proxy's fields.
  MessageFlow(CalloutTransaction* adaptation, processor::HeaderInsertion insertion,
              MessageFlowSettings settings);

  /// The next chunk of content from the client (dot-unstuffed, CRLF).
  boost::asio::awaitable<void> feed(std::string_view chunk);
  /// The client's final dot: the rest of the answers, then the outcome.
  boost::asio::awaitable<MessageOutcome> finish();

  /// The message to hand on (deliver, quarantine).
  processor::SpillBuffer& output() { return output_; }
  /// The original with `insertion.received` only, for FailurePolicy::pass
  /// (empty unless keep_original).
  ocp::Expected<void, std::string> use_original();
  bool kept_original() const { return settings_.keep_original; }
  /// The output's header section with the inserted fields (trace notification).
  const std::string& header_section() const { return header_section_; }

 private:
  /// The adaptation cannot go on (the failure policy applies).
  void fail(std::string reason);
  /// The message cannot go on whatever the callout server says: a limit
  /// (5yz) or the spill file (4yz).
  void fail_local(ocp::smtp::Reply reply, std::string reason);
  /// By kind: limits and the spill file are local, the rest the callout's.
  void fail(const processor::ContentError& error);
  ocp::Expected<void, processor::ContentError> route_pieces();
  MessageOutcome failed_outcome() const;
  void take_events();
  void drain_assembler();
  void emit(std::string_view octets);

  CalloutTransaction* adaptation_;
  processor::HeaderInsertion insertion_;
  MessageFlowSettings settings_;
  std::optional<processor::MessageSplitter> splitter_;
  std::optional<processor::MessageAssembler> assembler_;
  std::optional<processor::HeaderPrepender> prepender_;
  processor::SpillBuffer output_;
  processor::SpillBuffer original_;
  std::vector<processor::OriginalPiece> to_send_;
  std::string header_section_;
  std::optional<std::string> failure_;
  std::optional<ocp::smtp::Reply> local_failure_;
  std::optional<ocp::smtp::Reply> rejection_;
  std::string rejection_service_;  // who refused, as the callout server named it
  bool adapted_ended_ = false;
  bool transaction_finished_ = false;
};

}  // namespace opes::proxy
