#include "opes/processor/trace_entries.hpp"

#include "ascii.hpp"
#include "opes/processor/agent_id.hpp"

namespace opes::processor {

namespace {

constexpr std::string_view kOpesSystem = "OPES-System";
constexpr std::string_view kOpesVia = "OPES-Via";

/// RFC 3986 §2.3 unreserved.
bool is_session_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxSessionIdLength) return false;
  for (char c : id) {
    if (!detail::is_alnum(c) && c != '-' && c != '.' && c != '_' && c != '~') return false;
  }
  return true;
}

std::string parameter_text(const TraceParameter& parameter) {
  std::string text = parameter.name + "=";
  if (detail::is_token(parameter.value)) return text + parameter.value;
  // RFC 2616 §2.2: quoted-string, with quoted-pair for '"' and '\'.
  text += '"';
  for (char c : parameter.value) {
    if (c == '"' || c == '\\') text += '\\';
    text += c;
  }
  return text + '"';
}

ocp::Expected<void, PolicyError> check_parameter(const TraceParameter& parameter) {
  if (parameter.name.size() > TraceParameter::kMaxNameLength || !detail::is_token(parameter.name)) {
    return ocp::unexpected(PolicyError{"trace parameter name '" + parameter.name.substr(0, 64) +
                                       "' is not a token of at most 64 octets"});
  }
  if (parameter.value.size() > TraceParameter::kMaxValueLength) {
    return ocp::unexpected(
        PolicyError{"trace parameter '" + parameter.name + "' is longer than 200 octets"});
  }
  for (char c : parameter.value) {
    if (!detail::is_printable(c)) {
      return ocp::unexpected(PolicyError{"trace parameter '" + parameter.name +
                                         "' holds a control or non-ASCII octet"});
    }
  }
  return {};
}

/// The OPES-Via body: entries separated by ",", folded (RFC 5322 §2.2.3)
/// before an entry that would not fit in kPreferredLineLength.
std::string folded_list(std::string_view field_name, const std::vector<std::string>& entries) {
  const std::size_t aligned_indent = field_name.size() + 2;  // under the first entry
  std::string body;
  std::size_t line_length = field_name.size() + 1;  // "name:"
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::size_t needed = entries[i].size() + (i + 1 < entries.size() ? 1 : 0);
    if (i == 0 || line_length + 1 + needed <= TraceEntries::kPreferredLineLength) {
      body += ' ';
      line_length += 1;
    } else {
      const std::size_t indent =
          aligned_indent + needed <= TraceEntries::kPreferredLineLength ? aligned_indent : 1;
      body += "\r\n";
      body.append(indent, ' ');
      line_length = indent;
    }
    body += entries[i];
    line_length += entries[i].size();
    if (i + 1 < entries.size()) {
      body += ',';
      ++line_length;
    }
  }
  return body;
}

}  // namespace

std::string TraceEntry::text() const {
  std::string out = agent_id;
  for (const TraceParameter& parameter : parameters) out += " ; " + parameter_text(parameter);
  return out;
}

ocp::Expected<void, PolicyError> check_trace_entry(const TraceEntry& entry) {
  if (!is_opes_agent_id(entry.agent_id)) {
    return ocp::unexpected(
        PolicyError{"'" + entry.agent_id.substr(0, 80) +
                    "' is not an opes-agent-id (an absoluteURI without ',' or ';', at most " +
                    std::to_string(kMaxAgentIdLength) + " octets)"});
  }
  for (const TraceParameter& parameter : entry.parameters) {
    if (auto checked = check_parameter(parameter); !checked) return checked;
  }
  if (entry.text().size() > TraceEntry::kMaxTextLength) {
    return ocp::unexpected(PolicyError{"the trace entry of '" + entry.agent_id.substr(0, 80) +
                                       "' is longer than 900 octets"});
  }
  return {};
}

ocp::Expected<TraceEntries, PolicyError> TraceEntries::make(TraceSettings settings) {
  auto checked =
      check_trace_entry(TraceEntry{settings.system_agent_id, settings.system_parameters});
  if (!checked) {
    return ocp::unexpected(PolicyError{"system agent id: " + checked.error().reason});
  }
  return TraceEntries(std::move(settings));
}

ocp::Expected<std::string, PolicyError> TraceEntries::system_agent_id_for(
    std::string_view session_id) const {
  if (!is_session_id(session_id)) {
    return ocp::unexpected(PolicyError{
        "a session id is 1 to 64 octets of ALPHA, DIGIT, '-', '.', '_' and '~' (RFC 3986 §2.3)"});
  }
  const std::string_view separator =
      settings_.system_agent_id.find('?') == std::string::npos ? "?" : "&";
  return settings_.system_agent_id + std::string(separator) + "session=" + std::string(session_id);
}

ocp::Expected<std::vector<ocp::smtp::HeaderField>, PolicyError> TraceEntries::header_fields(
    std::string_view session_id, const std::vector<TraceEntry>& services_run) const {
  auto system_id = system_agent_id_for(session_id);
  if (!system_id) return ocp::unexpected(std::move(system_id).error());
  const TraceEntry system_entry{*system_id, settings_.system_parameters};
  if (system_entry.text().size() > TraceEntry::kMaxTextLength) {
    return ocp::unexpected(PolicyError{"the system trace entry is longer than 900 octets"});
  }
  std::vector<ocp::smtp::HeaderField> fields;
  fields.push_back({std::string(kOpesSystem), " " + system_entry.text()});
  if (!settings_.add_opes_via) return fields;

  // §4.1: "it MUST add identical trace entries except it MAY omit some or
  // all trace-entry parameters from the OPES-Via header".
  std::vector<std::string> entries{*system_id};
  entries.reserve(services_run.size() + 1);
  for (const TraceEntry& service : services_run) {
    if (auto checked = check_trace_entry(service); !checked) {
      return ocp::unexpected(std::move(checked).error());
    }
    entries.push_back(service.text());
  }
  fields.push_back({std::string(kOpesVia), folded_list(kOpesVia, entries)});
  return fields;
}

}  // namespace opes::processor
