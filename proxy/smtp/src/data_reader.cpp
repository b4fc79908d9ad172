#include "opes/smtp/data_reader.hpp"

#include "opes/smtp/command_error.hpp"

#include <algorithm>
#include <cstring>

namespace opes::smtp {

namespace {

/// Octets before the next CR, LF or NUL: content as it is (memchr is
/// vectorised; a message is mostly such runs).
std::size_t ordinary_run(const char* begin, std::size_t size) {
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', size));
  std::size_t run = cr ? static_cast<std::size_t>(cr - begin) : size;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', run));
  if (lf) run = static_cast<std::size_t>(lf - begin);
  const auto* nul = static_cast<const char*>(std::memchr(begin, '\0', run));
  if (nul) run = static_cast<std::size_t>(nul - begin);
  return run;
}

}  // namespace

std::size_t DataReader::read(std::string_view wire, std::string& content, std::size_t room) {
  std::size_t used = 0;
  while (used < wire.size() && state_ != State::done) {
    if (state_ == State::in_line) {
      // Fast path: a run of ordinary octets is content as it is, when it
      // breaks no limit (else the octet-wise path below finds the exact
      // octet that does).
      const char* begin = wire.data() + used;
      std::size_t run = ordinary_run(begin, wire.size() - used);
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
    if (step(wire[used], content)) ++used;
    if (content.size() >= room) break;
  }
  return used;
}

bool DataReader::step(char octet, std::string& content) {
  switch (state_) {
    case State::line_start:
      line_octets_ = 0;
      if (octet == '.') {
        // RFC 5321 §4.5.2: the dot is removed; §4.5.3.1.6: not counted.
        state_ = State::dot_at_start;
        return true;
      }
      state_ = State::in_line;
      return step(octet, content);
    case State::dot_at_start:
      if (octet == '\r') {
        count(1);
        state_ = State::dot_cr;
        return true;
      }
      if (octet == '\n' && normalizing()) {
        // ".LF" is a content line (empty once the dot is removed), never
        // the end: only CR LF . CR LF ends the data.
        count(2);
        end_line(content, true);
        return true;
      }
      // RFC 5321 §4.5.2: "the first character is deleted"; the octet after
      // it (a second dot too) is content.
      state_ = State::in_line;
      return step(octet, content);
    case State::dot_cr:
      if (octet == '\n') {
        if (!after_bare_end_) {
          state_ = State::done;
          return true;
        }
        // The CR LF before this "." was a normalized bare one: content.
        count(1);
        end_line(content, false);
        return true;
      }
      if (normalizing()) {
        count(1);  // ".CR" becomes an empty line; the octet starts the next
        end_line(content, true);
        return false;
      }
      violate(DataViolation::bare_cr);
      ++message_size_;
      state_ = State::in_line;
      return step(octet, content);
    case State::in_line:
      if (octet == '\r') {
        count(1);
        state_ = State::cr;
      } else if (octet == '\n') {
        if (normalizing()) {
          count(2);  // counted as the CRLF it becomes
          end_line(content, true);
          return true;
        }
        violate(DataViolation::bare_lf);  // not a line end: the line goes on
        ++message_size_;
        count(1);
      } else if (octet == '\0') {
        violate(DataViolation::nul);
        ++message_size_;
        count(1);
      } else {
        count(1);
        append(content, std::string_view(&octet, 1));
      }
      return true;
    case State::cr:
      if (octet == '\n') {
        count(1);
        end_line(content, false);
        return true;
      }
      if (normalizing()) {
        count(1);  // the LF the bare CR gets; the octet starts the next line
        end_line(content, true);
        return false;
      }
      violate(DataViolation::bare_cr);
      ++message_size_;
      state_ = State::in_line;
      return step(octet, content);
    case State::done:
      return true;
  }
  return true;
}

void DataReader::end_line(std::string& content, bool bare) {
  append(content, "\r\n");
  after_bare_end_ = bare;
  state_ = State::line_start;
}

void DataReader::count(std::size_t octets) noexcept {
  line_octets_ += octets;
  if (limits_.max_line_length != 0 && line_octets_ > limits_.max_line_length) {
    violate(DataViolation::line_too_long);
  }
}

void DataReader::append(std::string& content, std::string_view octets) {
  message_size_ += octets.size();
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
      return make_reply(550, "5.6.0",
                        "Line too long in message data (limit " +
                            std::to_string(limits_.max_line_length) + " octets)",
                        enhanced_status_codes);
    case DataViolation::bare_lf:
      return make_reply(550, "5.6.0", "Bare LF in message data is not allowed",
                        enhanced_status_codes);
    case DataViolation::bare_cr:
      return make_reply(550, "5.6.0", "Bare CR in message data is not allowed",
                        enhanced_status_codes);
    case DataViolation::nul:
      return make_reply(550, "5.6.0", "NUL in message data is not allowed",
                        enhanced_status_codes);
  }
  return std::nullopt;
}

}  // namespace opes::smtp
