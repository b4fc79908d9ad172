#include "opes/processor/opes_mail_parameters.hpp"

#include "ascii.hpp"
#include "opes/processor/agent_id.hpp"
#include "ocp/smtp/xtext.hpp"

namespace opes::processor {

namespace {

/// RFC 5321 §4.1.1.11: 555 "MAIL FROM/RCPT TO parameters not recognized or
/// not implemented"; RFC 3463: 5.5.4 "Invalid command arguments".
ocp::Unexpected<ocp::smtp::Reply> refuse(std::string text) {
  return ocp::unexpected(ocp::smtp::Reply{555, {"5.5.4 " + std::move(text)}});
}

}  // namespace

bool is_service_name(std::string_view text) noexcept {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    if (!detail::is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

ocp::Expected<BypassRequest, ocp::smtp::Reply> read_bypass_value(std::string_view xtext) {
  if (xtext.size() > BypassRequest::kMaxValueLength) {
    return refuse("OPESBYPASS value is longer than 2048 octets");
  }
  auto decoded = ocp::smtp::decode_xtext(xtext);
  if (!decoded) return refuse("OPESBYPASS value is not xtext, " + decoded.error().reason);
  BypassRequest request;
  bool star = false;
  const std::string_view list = *decoded;
  std::size_t at = 0;
  for (;;) {
    const std::size_t comma = list.find(',', at);
    const std::string_view entry = detail::trim_wsp(
        list.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
    // RFC 2616 §2.1 #rule: null elements are allowed and do not count.
    if (!entry.empty()) {
      if (entry == "*") {
        star = true;
      } else if (entry.size() > BypassRequest::kMaxEntryLength) {
        return refuse("OPESBYPASS entry is longer than 512 octets");
      } else if (entry.find(':') != std::string_view::npos ? !is_absolute_uri(entry)
                                                           : !is_service_name(entry)) {
        return refuse("OPESBYPASS entry " + std::to_string(request.entries.size() + 1) +
                      " is neither an agent id nor a service name");
      } else if (request.entries.size() == BypassRequest::kMaxEntries) {
        return refuse("OPESBYPASS lists more than 32 entries");
      } else {
        request.entries.emplace_back(entry);
      }
    }
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  // §5: opesbypass=( "*" | 1#bypass-entry ): "*" stands alone.
  if (star) {
    if (!request.entries.empty()) return refuse("OPESBYPASS \"*\" must stand alone");
    request.all = true;
    return request;
  }
  if (request.entries.empty()) return refuse("OPESBYPASS lists no entry");
  return request;
}

ocp::Expected<OpesMailParameters, ocp::smtp::Reply> read_opes_mail_parameters(
    const std::vector<EsmtpParameter>& parameters, bool upstream_advertises_opes) {
  OpesMailParameters read;
  read.forward.reserve(parameters.size());
  for (const EsmtpParameter& parameter : parameters) {
    if (detail::iequals(parameter.keyword, kOpesTraceParameter)) {
      if (parameter.value) return refuse("OPESTRACE takes no value");
      if (read.request.trace) return refuse("OPESTRACE given more than once");
      read.request.trace = true;
    } else if (detail::iequals(parameter.keyword, kOpesBypassParameter)) {
      if (!parameter.value) return refuse("OPESBYPASS needs a value");
      if (read.request.bypass) return refuse("OPESBYPASS given more than once");
      auto bypass = read_bypass_value(*parameter.value);
      if (!bypass) return ocp::unexpected(std::move(bypass).error());
      read.request.bypass = std::move(*bypass);
    } else {
      read.forward.push_back(parameter);
      continue;
    }
    if (upstream_advertises_opes) read.forward.push_back(parameter);
  }
  return read;
}

}  // namespace opes::processor
