#include "opes/processor/header_prepender.hpp"

#include <algorithm>
#include <utility>

#include "opes/processor/header_section.hpp"

namespace opes::processor {

namespace {

void write_fields(std::string& out, const std::vector<ocp::smtp::HeaderField>& fields) {
  for (const auto& field : fields) {
    out += field.text();
    out += "\r\n";
  }
}

bool is_opes_trace(std::string_view name) noexcept {
  return same_field_name(name, "OPES-System") || same_field_name(name, "OPES-Via");
}

}  // namespace

std::string insert_header_fields(std::string_view fields, const HeaderInsertion& insertion) {
  const auto listed = list_header_fields(fields);
  const auto first_opes = std::find_if(
      listed.begin(), listed.end(), [](const RawHeaderField& f) { return is_opes_trace(f.name); });
  std::string out;
  write_fields(out, insertion.received);
  if (first_opes == listed.end()) {
    write_fields(out, insertion.opes_trace);
    write_fields(out, insertion.added);
    out += fields;
    return out;
  }
  // draft §4.1: immediately before the first existing OPES line; folded
  // lines belong to their field, so the cut is at a field's first octet.
  const auto cut = static_cast<std::size_t>(first_opes->text.data() - fields.data());
  write_fields(out, insertion.added);
  out += fields.substr(0, cut);
  write_fields(out, insertion.opes_trace);
  out += fields.substr(cut);
  return out;
}

HeaderPrepender::HeaderPrepender(HeaderInsertion insertion, PrependerLimits limits)
    : insertion_(std::move(insertion)), limits_(limits) {}

ocp::Expected<void, ContentError> HeaderPrepender::emit_header_section(std::size_t end) {
  // `end` is just past the empty line, or held_.size() when there is none.
  const std::string_view held = held_;
  std::string_view fields = held.substr(0, end);
  std::string_view empty_line;
  if (fields.ends_with("\r\n") && header_section_end(fields) == end) {
    empty_line = fields.substr(fields.size() - 2);
    fields.remove_suffix(2);
  }
  header_section_ = insert_header_fields(fields, insertion_);
  header_section_ += empty_line;
  output_ += header_section_;
  output_ += held.substr(end);
  held_.clear();
  held_.shrink_to_fit();
  done_header_ = true;
  return {};
}

ocp::Expected<void, ContentError> HeaderPrepender::feed(std::string_view chunk) {
  if (error_) return ocp::unexpected(*error_);
  if (finished_) {
    error_ = ContentError{ContentError::Kind::misuse, "output fed after finish()"};
    return ocp::unexpected(*error_);
  }
  if (done_header_) {
    output_ += chunk;
    return {};
  }
  held_ += chunk;
  // Rescan from three octets back: CRLF CRLF may straddle chunks.
  const std::size_t from = scanned_ >= 3 ? scanned_ - 3 : 0;
  std::optional<std::size_t> end;
  if (held_.starts_with("\r\n")) {
    end = 2;
  } else {
    const std::size_t blank = std::string_view(held_).find("\r\n\r\n", from);
    if (blank != std::string_view::npos) end = blank + 4;
  }
  scanned_ = held_.size();
  const std::size_t section = end ? *end : held_.size();
  if (section > limits_.max_header_section) {
    error_ = ContentError{ContentError::Kind::limit_exceeded,
                          "header section exceeds " + std::to_string(limits_.max_header_section) +
                              " octets (max_header_section)"};
    return ocp::unexpected(*error_);
  }
  if (end) return emit_header_section(*end);
  return {};
}

ocp::Expected<void, ContentError> HeaderPrepender::finish() {
  if (error_) return ocp::unexpected(*error_);
  if (finished_) return {};
  finished_ = true;
  // RFC 5322 §2.1: no empty line, so the whole message is header section.
  if (!done_header_) return emit_header_section(held_.size());
  return {};
}

std::string HeaderPrepender::take_output() {
  return std::exchange(output_, std::string());
}

}  // namespace opes::processor
