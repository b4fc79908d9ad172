#include "ocp/framer.hpp"

#include <cstdio>

#include "ocp/value.hpp"

namespace ocp {

namespace {

constexpr std::uint64_t kMaxSize = 2147483647;  // RFC 4037 §3.1 size
constexpr char kPayloadTail[] = "\r\n;\r\n";    // after payload data
constexpr std::size_t kPayloadTailSize = sizeof(kPayloadTail) - 1;

bool is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

std::string describe_octet(unsigned char c) {
  char text[32];
  if (c >= 0x21 && c < 0x7f) {
    std::snprintf(text, sizeof text, "'%c'", c);
  } else {
    std::snprintf(text, sizeof text, "octet 0x%02X", c);
  }
  return text;
}

}  // namespace

enum class Framer::State : std::uint8_t {
  name_start,   // first octet: ALPHA
  normal,       // names, values, separators
  after_cr,     // LF must follow
  line_start,   // first octet after CR LF
  size_digits,  // size prefix of quoted data or payload
  data,         // skipping data octets
  quote_close,  // DQUOTE after quoted data
  payload_tail, // CR LF ";" CR LF after the payload
  end_cr,       // after ";": CR
  end_lf,       // after ";" CR: LF
};

void Framer::reset() {
  *this = Framer(limits_);
}

Framer::Status Framer::fail(std::string reason) {
  error_ = std::move(reason);
  return Status::error;
}

bool Framer::count_value() { return ++values_ <= limits_.max_values; }

void Framer::begin_size(bool payload) {
  in_payload_ = payload;
  number_ = 0;
  number_digits_ = 0;
  state_ = State::size_digits;
}

Framer::Status Framer::scan(const char* message, std::size_t available) {
  if (!error_.empty()) return Status::error;
  while (position_ < available) {
    if (position_ >= limits_.max_message_size) {
      return fail("message exceeds the limit of " + std::to_string(limits_.max_message_size) +
                  " octets");
    }
    const auto c = static_cast<unsigned char>(message[position_]);
    switch (state_) {
      case State::name_start:
        if (!is_alpha(c)) return fail("message name expected, found " + describe_octet(c));
        state_ = State::normal;
        token_length_ = 1;
        break;

      case State::data: {
        const std::uint64_t step = std::min<std::uint64_t>(remaining_, available - position_);
        position_ += static_cast<std::size_t>(step);
        remaining_ -= step;
        if (remaining_ == 0) state_ = in_payload_ ? State::payload_tail : State::quote_close;
        continue;
      }

      case State::quote_close:
        if (c != '"') return fail("closing quote expected after quoted data");
        state_ = State::normal;
        token_length_ = 0;
        break;

      case State::size_digits:
        if (is_digit(c)) {
          if (number_digits_ == 1 && number_ == 0) return fail("size has a leading zero");
          number_ = number_ * 10 + (c - '0');
          ++number_digits_;
          if (number_ > kMaxSize) return fail("size exceeds 2147483647");
          break;
        }
        if (number_digits_ == 0) return fail("size expected, found " + describe_octet(c));
        if (c != ':') return fail("':' expected after size, found " + describe_octet(c));
        if (in_payload_) {
          if (number_ > limits_.max_payload_size) {
            return fail("payload of " + std::to_string(number_) + " octets exceeds the limit of " +
                        std::to_string(limits_.max_payload_size));
          }
          size_hint_ = position_ + 1 + static_cast<std::size_t>(number_) + kPayloadTailSize;
          if (size_hint_ > limits_.max_message_size) {
            return fail("message exceeds the limit of " +
                        std::to_string(limits_.max_message_size) + " octets");
          }
        } else if (number_ > limits_.max_value_length) {
          return fail("quoted value of " + std::to_string(number_) +
                      " octets exceeds the limit of " + std::to_string(limits_.max_value_length));
        }
        remaining_ = number_;
        state_ = remaining_ == 0 ? (in_payload_ ? State::payload_tail : State::quote_close)
                                 : State::data;
        break;

      case State::payload_tail:
        if (c != static_cast<unsigned char>(kPayloadTail[tail_matched_])) {
          return fail(tail_matched_ < 2 ? "CRLF expected after payload"
                                        : "';' CRLF expected after payload");
        }
        if (++tail_matched_ == kPayloadTailSize) {
          ++position_;
          return Status::complete;
        }
        break;

      case State::end_cr:
        if (c != '\r') return fail("CRLF expected after ';'");
        state_ = State::end_lf;
        break;

      case State::end_lf:
        if (c != '\n') return fail("LF expected after CR");
        ++position_;
        return Status::complete;

      case State::after_cr:
        if (c != '\n') return fail("LF expected after CR");
        state_ = State::line_start;
        break;

      case State::line_start:
        state_ = State::normal;
        if (depth_ == 0) {
          // RFC 4037 §3.1: after the head, CR LF leads to named parameters
          // (ALPHA) or the payload (DIGIT); after named parameters, to
          // another one, to ";", or to the empty line before the payload.
          switch (section_) {
            case Section::head:
              if (is_alpha(c)) {
                section_ = Section::named;
              } else if (is_digit(c)) {
                begin_size(true);
                continue;
              } else {
                return fail("named parameter or payload expected, found " + describe_octet(c));
              }
              break;
            case Section::named:
              if (c == '\r') {
                section_ = Section::blank_line;
              } else if (is_digit(c)) {
                return fail("empty line expected between named parameters and payload");
              } else if (!is_alpha(c) && c != ';') {
                return fail("named parameter or ';' expected, found " + describe_octet(c));
              }
              break;
            case Section::blank_line:
              if (!is_digit(c)) return fail("payload expected after the empty line");
              begin_size(true);
              continue;
          }
        }
        continue;  // the octet itself is handled in the normal state

      case State::normal:
        if (is_safe_octet(c)) {
          if (token_length_ == 0 && !count_value()) return fail("too many values in one message");
          if (++token_length_ > limits_.max_value_length) {
            return fail("bare value exceeds the limit of " +
                        std::to_string(limits_.max_value_length) + " octets");
          }
          break;
        }
        token_length_ = 0;
        switch (c) {
          case ' ':
          case ',':
          case ':':
            break;
          case '{':
          case '(':
            if (!count_value()) return fail("too many values in one message");
            if (++depth_ > limits_.max_depth) {
              return fail("values nested deeper than " + std::to_string(limits_.max_depth));
            }
            break;
          case '}':
          case ')':
            if (depth_ == 0) return fail(describe_octet(c) + " without a matching opening bracket");
            --depth_;
            break;
          case '"':
            if (!count_value()) return fail("too many values in one message");
            begin_size(false);
            break;
          case '\r':
            state_ = State::after_cr;
            break;
          case ';':
            if (depth_ != 0) return fail("';' inside a structure or list");
            state_ = State::end_cr;
            break;
          case '\n':
            return fail("LF without CR");
          default:
            return fail(describe_octet(c) + " is not allowed outside quoted data");
        }
        break;
    }
    ++position_;
  }
  if (size_hint_ < position_ + 1) size_hint_ = position_ + 1;
  return Status::need_more;
}

}  // namespace ocp
