#include "opes/callout/adapted_flow.hpp"

#include <algorithm>
#include <memory>

#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/duy_parameters.hpp"
#include "ocp/smtp/header_field.hpp"
#include "ocp/smtp/reply.hpp"

namespace opes::callout {

namespace {

std::optional<ocp::smtp::Advice> to_advice(std::optional<plugin_host::Advice> advice) {
  if (!advice) return std::nullopt;
  return *advice == plugin_host::Advice::Discard ? ocp::smtp::Advice::discard : ocp::smtp::Advice::quarantine;
}

std::vector<ocp::smtp::HeaderField> to_fields(const std::vector<std::string>& headers) {
  std::vector<ocp::smtp::HeaderField> fields;
  for (const std::string& header : headers) {
    auto parsed = ocp::smtp::parse_header_fields(header);
    if (!parsed) continue;  // the plugin host checked the syntax already
    fields.insert(fields.end(), parsed->begin(), parsed->end());
  }
  return fields;
}

ocp::Extensions dum_extensions(const ocp::smtp::DumParameters& parameters) {
  ocp::DataUseMine dum;
  ocp::smtp::write_dum_parameters(parameters, dum);
  return std::move(dum.extensions);
}

ocp::Expected<void, std::string> checked(ocp::engine::CommandResult<> sent) {
  if (!sent) return ocp::unexpected(sent.error().reason);
  return {};
}

/// DUMs of at most kMaxAdaptedChunk octets; the first carries `first`'s
/// parameters, the others the AM-Part alone (smtp §3.3.1: on every DUM).
ocp::Expected<void, std::string> send_octets(ocp::engine::Connection& engine, ocp::Xid xid,
                                             std::string content, const ocp::smtp::DumParameters& first,
                                             std::optional<std::uint32_t> as_is) {
  // Every DUM's payload is a slice of one shared buffer: no copy per chunk.
  const auto owner = std::make_shared<const std::string>(std::move(content));
  const std::string_view octets = *owner;
  std::size_t start = 0;
  do {
    const std::size_t length = std::min(kMaxAdaptedChunk, octets.size() - start);
    ocp::engine::DataOptions options;
    if (start == 0) {
      options.extensions = dum_extensions(first);
    } else {
      ocp::smtp::DumParameters rest;
      rest.am_part = first.am_part;
      options.extensions = dum_extensions(rest);
    }
    if (as_is) options.as_is = *as_is + static_cast<std::uint32_t>(start);
    auto sent = checked(engine.send_data(xid, ocp::SharedBytes(owner, octets.substr(start, length)),
                                         std::move(options)));
    if (!sent) return sent;
    start += length;
  } while (start < octets.size());
  return {};
}

}  // namespace

ocp::Expected<void, std::string> send_answer(ocp::engine::Connection& engine, ocp::Xid xid,
                                             PartAnswer answer,
                                             const ocp::smtp::AllowRecord& allows) {
  const bool reuse = answer.kind == PartAnswer::Kind::unchanged && answer.original_size > 0 &&
                     engine.can_use_yours(xid, answer.original_offset, answer.original_size);
  const ocp::smtp::SupportedParams allowed =
      reuse ? allows.for_original_range(answer.original_offset, answer.original_size)
            : allows.for_part(answer.name);
  auto fields = allowed.add_header ? to_fields(answer.headers) : std::vector<ocp::smtp::HeaderField>{};
  auto advice = allowed.advice ? to_advice(answer.advice) : std::nullopt;

  if (reuse) {
    ocp::smtp::DuyParameters parameters;
    parameters.advice = advice;
    parameters.add_header = std::move(fields);
    ocp::DataUseYours duy;
    ocp::smtp::write_duy_parameters(parameters, duy);
    return checked(engine.use_yours(xid, answer.original_offset, answer.original_size, std::move(duy.extensions)));
  }

  ocp::smtp::DumParameters parameters;
  parameters.am_part = answer.name;
  parameters.advice = advice;
  parameters.add_header = std::move(fields);
  switch (answer.kind) {
    case PartAnswer::Kind::rejected: {
      auto reply = ocp::smtp::parse_reply(answer.reply);
      if (!reply) return ocp::unexpected("the service's SMTP reply is malformed: " + answer.reply);
      parameters.smtp_error = std::move(*reply);
      // smtp §3.4.3 lets a DUM carry meta information as AM-OPT; ours names
      // the service that refused, so the processor's log line can say who
      // (docs/ocp-conformance.md, "Callout server dispatch").
      if (!answer.service.empty()) {
        parameters.am_opt = std::vector<ocp::smtp::AmOption>{
            ocp::smtp::AmOption{std::string(ocp::smtp::kAmOptRefusingService), answer.service}};
      }
      ocp::engine::DataOptions options;
      options.extensions = dum_extensions(parameters);
      // smtp §3.3.3: the payload of a DUM with SMTP-Error should be empty.
      return checked(engine.send_data(xid, ocp::SharedBytes::copy_of(""), std::move(options)));
    }
    case PartAnswer::Kind::replaced:
      return send_octets(engine, xid, std::move(answer.content), parameters, std::nullopt);
    case PartAnswer::Kind::unchanged:
      return send_octets(engine, xid, std::move(answer.content), parameters, answer.original_offset);
  }
  return {};
}

}  // namespace opes::callout
