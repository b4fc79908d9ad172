#include "opes/processor/message_splitter.hpp"

#include "opes/processor/header_section.hpp"
#include "opes/processor/mime_boundary.hpp"
#include "piece_cutter.hpp"

namespace opes::processor {

using ocp::smtp::AmPart;

namespace {

ContentError limit_error(std::string_view what, std::size_t limit, std::string_view name) {
  return ContentError{ContentError::Kind::limit_exceeded, std::string(what) + " exceeds " +
                                                              std::to_string(limit) + " octets (" +
                                                              std::string(name) + ")"};
}

}  // namespace

MessageSplitter::MessageSplitter(ContentLayout layout, SplitterLimits limits)
    : layout_(std::move(layout)),
      limits_(limits),
      cutter_(std::make_unique<detail::PieceCutter>(limits.max_piece)) {
  // The header section is read only when the message is split (P-3).
  stage_ = layout_.mode() == ContentMode::split ? Stage::header : Stage::whole;
}

MessageSplitter::~MessageSplitter() = default;
MessageSplitter::MessageSplitter(MessageSplitter&&) noexcept = default;
MessageSplitter& MessageSplitter::operator=(MessageSplitter&&) noexcept = default;

ocp::Expected<void, ContentError> MessageSplitter::fail(ContentError error) {
  error_ = error;
  return ocp::unexpected(std::move(error));
}

ocp::Expected<void, ContentError> MessageSplitter::feed(std::string_view chunk) {
  if (error_) return ocp::unexpected(*error_);
  if (stage_ == Stage::done) {
    return fail({ContentError::Kind::misuse, "message content fed after finish()"});
  }
  octets_ += chunk.size();
  if (stage_ == Stage::whole) {
    measure_header(chunk);
    if (error_) return ocp::unexpected(*error_);
    const bool rawdata = layout_.mode() == ContentMode::rawdata;
    const auto part = rawdata ? std::optional<AmPart>(AmPart::rawdata) : std::nullopt;
    cutter_->add(part, layout_.is_adaptive(AmPart::rawdata), chunk, rawdata && !started_);
    started_ = true;
    return {};
  }
  if (stage_ == Stage::header) {
    const std::size_t used = feed_header(chunk);
    if (error_) return ocp::unexpected(*error_);
    chunk.remove_prefix(used);
  }
  if (stage_ == Stage::body && !chunk.empty()) feed_body(chunk);
  return {};
}

void MessageSplitter::measure_header(std::string_view chunk) {
  // The limit is the message's in every layout: a header section too large
  // for the proxy is refused as the client sent it (552), not found only
  // once the callout server has answered (where it would look like the
  // callout server's failure and be retried for days).
  static constexpr std::string_view kEnd = "\r\n\r\n";
  for (std::size_t i = 0; i < chunk.size() && header_end_match_ < kEnd.size(); ++i) {
    if (++header_octets_ > limits_.max_header_section) {
      error_ = limit_error("header section", limits_.max_header_section, "max_header_section");
      return;
    }
    const char c = chunk[i];
    if (c == kEnd[header_end_match_]) {
      ++header_end_match_;
    } else {
      header_end_match_ = c == '\r' ? 1 : 0;
    }
  }
}

std::size_t MessageSplitter::feed_header(std::string_view chunk) {
  // Octet by octet: the header section is small (max_header_section) and a
  // field ends only when the next line's first octet is known (RFC 5322
  // §2.2.3: a line starting with SP or HTAB folds the field before it).
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    if (++header_octets_ > limits_.max_header_section) {
      error_ = limit_error("header section", limits_.max_header_section, "max_header_section");
      return i;
    }
    if (line_start_) {
      line_start_ = false;
      const bool folds = (c == ' ' || c == '\t') && !field_.empty();
      if (!folds && !field_.empty()) {
        route_field(field_);
        field_.clear();
      }
      maybe_empty_line_ = !folds && c == '\r';
    } else if (maybe_empty_line_) {
      maybe_empty_line_ = false;
      if (c == '\n') {
        // RFC 5322 §2.1: the empty line ends the header section.
        field_.clear();
        end_header_section(true);
        return i + 1;
      }
    }
    field_ += c;
    if (field_.size() > limits_.max_header_field) {
      error_ = limit_error("header field", limits_.max_header_field, "max_header_field");
      return i;
    }
    line_start_ = prev_cr_ && c == '\n';
    prev_cr_ = c == '\r';
  }
  return chunk.size();
}

void MessageSplitter::route_field(std::string_view field) {
  if (layout_.body_part() == AmPart(AmPart::sections) && !content_type_seen_ &&
      same_field_name(field_name_of(field), "Content-Type")) {
    // RFC 2045 §5: one Content-Type per entity; the first one counts.
    content_type_seen_ = true;
    std::string_view body = field.substr(field_name_of(field).size() + 1);
    if (body.ends_with("\r\n")) body.remove_suffix(2);
    if (auto boundary = multipart_boundary(body)) delimiter_.emplace(std::move(*boundary));
  }
  const auto header_part = layout_.header_part();
  if (header_part == AmPart(AmPart::allheaders)) {
    cutter_->add(header_part, layout_.is_adaptive(*header_part), field, !started_);
    started_ = true;
  } else if (header_part == AmPart(AmPart::singleheaders) && is_well_formed_field(field) &&
             layout_.sends_single_header(field_name_of(field))) {
    // smtp §3.2.5: each requested field in its own DUM (P-6).
    cutter_->add(header_part, layout_.is_adaptive(*header_part), field, true);
  } else {
    cutter_->add(std::nullopt, false, field, false);
  }
}

void MessageSplitter::end_header_section(bool with_empty_line) {
  const auto header_part = layout_.header_part();
  if (header_part == AmPart(AmPart::allheaders)) {
    // smtp §3.1: ALLHEADERS includes the empty line; P-8: an empty header
    // section is still one (empty) instance.
    cutter_->add(header_part, layout_.is_adaptive(*header_part), with_empty_line ? "\r\n" : "",
                 !started_);
  } else if (with_empty_line) {
    // P-6: with SINGLEHEADERS the processor keeps the empty line.
    cutter_->add(std::nullopt, false, "\r\n", false);
  }
  stage_ = Stage::body;
  started_ = false;
  line_start_ = true;
  prev_cr_ = false;
}

void MessageSplitter::feed_body(std::string_view chunk) {
  const auto body_part = layout_.body_part();
  if (body_part == AmPart(AmPart::sections)) {
    feed_sections(chunk);
  } else if (body_part) {
    cutter_->add(body_part, layout_.is_adaptive(*body_part), chunk, !started_);
    started_ = true;
  } else {
    cutter_->add(std::nullopt, false, chunk, false);
  }
}

void MessageSplitter::add_section_octets(std::string_view octets) {
  if (octets.empty()) return;
  cutter_->add(AmPart::sections, layout_.is_adaptive(AmPart::sections), octets, !started_);
  started_ = true;
}

void MessageSplitter::feed_sections(std::string_view chunk) {
  // P-4: a section starts at the first octet of each delimiter line of the
  // top-level boundary; after the close delimiter nothing is cut.
  if (!delimiter_ || close_seen_) {
    add_section_octets(chunk);
    return;
  }
  std::size_t run = 0;  // start of the octets not yet added
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    if (!candidate_.empty()) {
      candidate_ += c;
      run = i + 1;
      const DelimiterMatch match = delimiter_->push(c);
      switch (match) {
        case DelimiterMatch::partial:
          continue;
        case DelimiterMatch::delimiter:
        case DelimiterMatch::close:
          // RFC 2046 §5.1.1: the delimiter line opens the next body part.
          cutter_->add(AmPart::sections, layout_.is_adaptive(AmPart::sections), candidate_, true);
          started_ = true;
          close_seen_ = match == DelimiterMatch::close;
          candidate_.clear();
          line_start_ = true;
          prev_cr_ = false;
          if (close_seen_) {
            add_section_octets(chunk.substr(run));
            return;
          }
          continue;
        case DelimiterMatch::mismatch:
          add_section_octets(candidate_);
          candidate_.clear();
          line_start_ = false;
          prev_cr_ = c == '\r';
          continue;
      }
    }
    if (line_start_ && c == '-') {
      add_section_octets(chunk.substr(run, i - run));
      candidate_ = "-";
      delimiter_->reset();
      delimiter_->push(c);
      run = i + 1;
      line_start_ = false;
      continue;
    }
    line_start_ = prev_cr_ && c == '\n';
    prev_cr_ = c == '\r';
  }
  add_section_octets(chunk.substr(run));
}

ocp::Expected<void, ContentError> MessageSplitter::finish() {
  if (error_) return ocp::unexpected(*error_);
  if (stage_ == Stage::done) return {};
  if (stage_ == Stage::whole) {
    // P-8: an empty message is still one RAWDATA instance.
    if (layout_.mode() == ContentMode::rawdata && !started_) {
      cutter_->add(AmPart::rawdata, layout_.is_adaptive(AmPart::rawdata), "", true);
    }
  } else {
    if (stage_ == Stage::header) {
      // RFC 5322 §2.1: no empty line, so the message is all header section.
      if (!field_.empty()) route_field(field_);
      field_.clear();
      end_header_section(false);
    }
    // A delimiter line needs its CRLF: an unfinished one is section octets.
    add_section_octets(candidate_);
    candidate_.clear();
    const auto body_part = layout_.body_part();
    if (body_part && !started_) {
      cutter_->add(body_part, layout_.is_adaptive(*body_part), "", true);
    }
  }
  cutter_->flush();
  stage_ = Stage::done;
  return {};
}

std::optional<OriginalPiece> MessageSplitter::next_piece() {
  return cutter_->next();
}

bool MessageSplitter::finished() const noexcept {
  return stage_ == Stage::done && cutter_->empty();
}

}  // namespace opes::processor
