#pragma once
// One OCP transaction run through the services of its service group, in the
// group's order (RFC 4037 §11.5): each service sees what the services
// before it made of a part. Free of OCP and I/O: parts go in, per adaptive
// part one answer comes out, in the order the parts arrived.
//
// Timing. A command part (MAIL, RCPT, ...) is answered as soon as every
// service has run over it, because the SMTP client waits for that reply. A
// content part (RAWDATA, ALLHEADERS, BODY, ...) is final only at the end of
// the message: the first service reads it as it streams in; the others get
// it, as changed by the ones before, once the service before them has seen
// the whole message. From the first content part on, every later part waits
// likewise, so each service still sees the parts in SMTP order.
//
// Memory. Content is kept only when it is needed again: to answer an
// adaptive part with its original octets, to feed the second and later
// services, or to feed a service the content in another shape. It is
// bounded by `max_buffered`. A message that needs more is the message's
// problem, not a failure of the server: every adaptive content part is
// answered with `552 5.3.4 Message too big for content adaptation
// (max_buffered_part N octets)` (smtp §3.3.3), the services' transactions
// abandoned. Only when an answer could not carry that reply (an adaptive
// content part whose Allow lacks SMTP-Error, or content that is not
// adaptive at all) does add() fail the transaction instead, the failure
// carrying that reply (PipelineFailure::smtp_reply).
//
// Shapes. Each service gets the content parts it declared, whatever the
// connection negotiated: RAWDATA cut into ALLHEADERS + BODY, or ALLHEADERS
// + BODY joined into RAWDATA, with the answers mapped back (part_views.hpp).
// Such a service gets the content whole at the end of the message. A
// service that declared content and got none fails the transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/am_part.hpp"
#include "opes/plugin_host/allow.hpp"
#include "opes/plugin_host/metadata.hpp"
#include "opes/plugin_host/service_instance.hpp"
#include "opes/plugin_host/transaction.hpp"

namespace opes::callout {

/// How the service chain left one adaptive part.
struct PartAnswer {
  enum class Kind { unchanged, replaced, rejected };

  std::size_t part = 0;  // index in arrival order (see TransactionPipeline::add)
  ocp::smtp::AmPart name = ocp::smtp::AmPart::rawdata;
  Kind kind = Kind::unchanged;
  std::string content;  // replaced: the new octets; unchanged: the original octets
  std::string reply;    // rejected: the SMTP reply, without the final CRLF
  std::vector<std::string> headers;  // header fields to add, in service order
  std::optional<plugin_host::Advice> advice;  // the first service's that gave one
  // Where the original octets of the part were in the original dataflow.
  std::uint32_t original_offset = 0;
  std::uint32_t original_size = 0;
  std::string service;  // who rejected or last replaced it, for the log
};

/// A stage of the chain, named for errors and logs.
struct PipelineService {
  std::string name;
  plugin_host::ServiceInstance instance;
};

struct PipelineFailure {
  std::string service;  // empty when the pipeline itself refused (a limit)
  std::string reason;
  // A limit: the reply the message deserves (552 5.3.4 naming the limit),
  // for the TE result (ocp::smtp::kResultSmtpError); else empty.
  std::string smtp_reply;

  std::string describe() const;
};

class TransactionPipeline {
 public:
  TransactionPipeline(std::vector<PipelineService> services, std::uint64_t max_buffered);
  TransactionPipeline(TransactionPipeline&&) noexcept;
  TransactionPipeline& operator=(TransactionPipeline&&) noexcept;
  ~TransactionPipeline();

  /// Begins every service's transaction. Called once, before add().
  ocp::Expected<void, PipelineFailure> begin(const plugin_host::Metadata& metadata);

  /// One DUM of the original dataflow: `starts_part` false when it carries
  /// more of the part of the previous DUM. `adaptive`: the negotiated profile
  /// lets the callout server answer the part; an answer comes out for it.
  ocp::Expected<void, PipelineFailure> add(const ocp::smtp::AmPart& part, bool starts_part,
                                           std::string_view bytes, std::uint32_t offset,
                                           bool adaptive, plugin_host::Allow allow);

  /// The processor's AME: runs what waited for the end of the message.
  ocp::Expected<void, PipelineFailure> end_of_message();

  /// The next answer, once it and every answer before it are final.
  std::optional<PartAnswer> next_answer();

  /// RSET, QUIT, a TE from the processor or a failure: every service's
  /// transaction is abandoned.
  void abort() noexcept;

 private:
  struct Part;
  struct Stage;

  ocp::Expected<void, PipelineFailure> close_open_part();
  ocp::Expected<void, PipelineFailure> feed_whole(std::size_t stage, Part& part);
  ocp::Expected<void, PipelineFailure> finish_stage(std::size_t stage);
  void take_verdict(std::size_t stage, Part& part, const plugin_host::PartVerdict& verdict);
  // A service fed the content in another shape than it arrived (part_views.hpp).
  ocp::Expected<void, PipelineFailure> feed_split(std::size_t stage, Part& part);
  ocp::Expected<void, PipelineFailure> feed_joined(std::size_t stage, std::size_t first_part);
  void take_split_verdict(std::size_t stage, Part& part, const plugin_host::TransactionResult& result);
  ocp::Expected<void, PipelineFailure> take_joined_verdict(std::size_t stage, std::size_t first_part,
                                                           const plugin_host::TransactionResult& result);
  void note_fed(std::size_t stage, const ocp::smtp::AmPart& part);
  bool keep(Part& part, std::string_view bytes);
  // Over max_buffered: the message is refused (552 5.3.4 naming the limit)
  // on every adaptive content part, the services abandoned.
  static bool refusable(const Part& part);
  bool can_refuse() const;
  void refuse_message();
  void mark_refused(Part& part);
  ocp::Expected<void, PipelineFailure> add_refused(Part& part);
  std::string limit_reply() const;
  PipelineFailure limit_failure();  // the transaction fails, its result naming limit_reply()
  bool is_final(const Part& part) const;
  PipelineFailure fail(std::size_t stage, std::string reason);

  std::vector<Stage> stages_;
  std::vector<Part> parts_;
  std::size_t first_unanswered_ = 0;  // index into parts_ of the next answer
  // Stages below this one get every part live; the others wait for the
  // message to end (see the file comment).
  std::size_t live_stages_ = 0;
  bool open_part_ = false;
  bool ended_ = false;
  std::uint64_t buffered_ = 0;
  std::uint64_t max_buffered_;
  std::optional<std::string> refusal_;  // the reply, once the message is refused for a limit
};

}  // namespace opes::callout
