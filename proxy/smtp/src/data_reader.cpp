#include "opes/smtp/data_reader.hpp"

#include "opes/smtp/command_error.hpp"

#include <algorithm>
#include <cstring>

namespace opes::smtp {

std::size_t DataReader::read(std::string_view wire, std::string& content, std::size_t room) {
  std::size_t used = 0;
  while (used < wire.size() && state_ != State::done) {
    if (state_ == State::in_line) {
      // Fast path: a run of octets that are neither CR nor LF is content as
      // it is, when it breaks no limit (else the octet-wise path below finds
      // the exact octet that does).
      const char* begin = wire.data() + used;
      const std::size_t left = wire.size() - used;
      const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', left));
      const std::size_t to_cr = cr ? static_cast<std::size_t>(cr - begin) : left;
      const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', to_cr));
      std::size_t run = lf ? static_cast<std::size_t>(lf - begin) : to_cr;
      if (content.size() < room) run = std::min(run, room - content.size());
      const bool fits_line =
          limits_.max_line_length == 0 || line_octets_ + run <= limits_.max_line_length;
      const bool fits_message =
          limits_.max_message_size == 0 || content_size_ + run <= limits_.max_message_size;
      if (run > 1 && fits_line && fits_message) {
        line_octets_ += run;
        append(content, std::string_view(begin, run));
        used += run;
        if (content.size() >= room) break;
        continue;
      }
    }
    const char octet = wire[used++];
    if (state_ != State::line_start && state_ != State::done) ++line_octets_;
    step(octet, content);
    if (limits_.max_line_length != 0 && line_octets_ > limits_.max_line_length) {
      violate(DataViolation::line_too_long);
    }
    if (content.size() >= room) break;
  }
  return used;
}

void DataReader::step(char octet, std::string& content) {
  switch (state_) {
    case State::line_start:
      line_octets_ = 1;
      if (octet == '.') {
        state_ = State::dot_at_start;
        return;
      }
      state_ = State::in_line;
      step(octet, content);
      return;
    case State::dot_at_start:
      if (octet == '\r') {
        state_ = State::dot_cr;
        return;
      }
      // RFC 5321 §4.5.2: "the first character is deleted"; the octet after
      // it (a second dot too) is content.
      state_ = State::in_line;
      step(octet, content);
      return;
    case State::dot_cr:
      if (octet == '\n') {
        state_ = State::done;
        return;
      }
      violate(DataViolation::bare_cr);
      state_ = State::in_line;
      step(octet, content);
      return;
    case State::in_line:
      if (octet == '\r') {
        state_ = State::cr;
      } else if (octet == '\n') {
        violate(DataViolation::bare_lf);  // not a line end: the line goes on
      } else {
        append(content, std::string_view(&octet, 1));
      }
      return;
    case State::cr:
      if (octet == '\n') {
        append(content, "\r\n");
        state_ = State::line_start;
        return;
      }
      violate(DataViolation::bare_cr);
      state_ = State::in_line;
      step(octet, content);
      return;
    case State::done:
      return;
  }
}

void DataReader::append(std::string& content, std::string_view octets) {
  if (violation_ != DataViolation::none) return;
  content_size_ += octets.size();
  if (limits_.max_message_size != 0 && content_size_ > limits_.max_message_size) {
    content_size_ -= octets.size();
    violate(DataViolation::message_too_big);
    return;
  }
  content.append(octets);
}

void DataReader::violate(DataViolation violation) noexcept {
  if (violation_ == DataViolation::none) violation_ = violation;
}

std::optional<ocp::smtp::Reply> DataReader::refusal(bool enhanced_status_codes) const {
  switch (violation_) {
    case DataViolation::none:
      return std::nullopt;
    case DataViolation::message_too_big:
      return make_reply(552, "5.3.4", "Message size exceeds fixed maximum message size",
                        enhanced_status_codes);
    case DataViolation::line_too_long:
      return make_reply(500, "5.6.0", "Line too long in message data", enhanced_status_codes);
    case DataViolation::bare_lf:
      return make_reply(550, "5.6.0", "Bare LF in message data is not allowed",
                        enhanced_status_codes);
    case DataViolation::bare_cr:
      return make_reply(550, "5.6.0", "Bare CR in message data is not allowed",
                        enhanced_status_codes);
  }
  return std::nullopt;
}

}  // namespace opes::smtp
