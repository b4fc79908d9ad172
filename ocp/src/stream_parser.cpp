#include "ocp/stream_parser.hpp"

#include <algorithm>
#include <cstring>

#include "grammar.hpp"

namespace ocp {

namespace {
constexpr std::size_t kDefaultBlockSize = 64u << 10;
// Room kept beyond what the current message and the next read need, up to
// this much: see make_room().
constexpr std::size_t kMaxSlack = 1u << 20;
}

struct StreamParser::Block {
  explicit Block(std::size_t size) : data(new char[size]), capacity(size) {}
  std::unique_ptr<char[]> data;
  std::size_t capacity;
};

StreamParser::StreamParser(ParseOptions options)
    : options_(options), framer_(options.limits) {}

void StreamParser::make_room(std::size_t at_least) {
  const std::size_t pending = end_ - begin_;
  // The current message must stay contiguous, so plan for all of it when the
  // framer already knows its size (a payload's prefix has been read).
  const std::size_t wanted = std::max(pending + at_least, framer_.size_hint());
  if (block_ && begin_ + wanted <= block_->capacity) return;
  // Sliding or moving to a new block copies the partial message. Leaving as
  // much room again as is wanted (up to kMaxSlack) makes that happen once per
  // several messages; with exactly `wanted`, messages about as large as the
  // reads (64 KiB DUMs read 64 KiB at a time) were copied twice each, and a
  // growing message reallocated the block read after read.
  const std::size_t roomy = wanted + std::min(wanted, kMaxSlack);
  if (block_ && block_.use_count() == 1 && roomy <= block_->capacity) {
    // No parsed payload refers to the block: slide the partial message down.
    std::memmove(block_->data.get(), block_->data.get() + begin_, pending);
  } else {
    // Payloads parsed earlier may still share the old block: leave it to them.
    auto fresh = std::make_shared<Block>(std::max(kDefaultBlockSize, roomy));
    if (pending != 0) std::memcpy(fresh->data.get(), block_->data.get() + begin_, pending);
    block_ = std::move(fresh);
  }
  begin_ = 0;
  end_ = pending;
}

std::span<char> StreamParser::prepare(std::size_t at_least) {
  if (block_ && begin_ == end_ && block_.use_count() == 1) begin_ = end_ = 0;
  make_room(std::max<std::size_t>(at_least, 1));
  return {block_->data.get() + end_, block_->capacity - end_};
}

void StreamParser::commit(std::size_t written) { end_ += written; }

void StreamParser::append(std::string_view chunk) {
  if (chunk.empty()) return;
  std::span<char> space = prepare(chunk.size());
  std::memcpy(space.data(), chunk.data(), chunk.size());
  commit(chunk.size());
}

Expected<std::optional<Message>, ParseError> StreamParser::next() {
  if (failure_) return unexpected(*failure_);
  if (begin_ == end_) return std::optional<Message>();
  const char* message_start = block_->data.get() + begin_;
  switch (framer_.scan(message_start, end_ - begin_)) {
    case Framer::Status::need_more:
      return std::optional<Message>();
    case Framer::Status::error:
      failure_ = ParseError{consumed_ + framer_.error_offset(), framer_.error_reason()};
      return unexpected(*failure_);
    case Framer::Status::complete:
      break;
  }
  const std::size_t size = framer_.message_size();
  std::shared_ptr<const void> owner;
  if (framer_.has_payload()) owner = std::shared_ptr<const void>(block_, block_->data.get());
  auto parsed = detail::parse_framed(std::string_view(message_start, size), owner, options_);
  if (!parsed) {
    failure_ = ParseError{consumed_ + parsed.error().offset, parsed.error().reason};
    return unexpected(*failure_);
  }
  consumed_ += size;
  begin_ += size;
  framer_.reset();
  return std::optional<Message>(std::move(*parsed));
}

StreamParser::Batch StreamParser::feed(std::string_view chunk) {
  append(chunk);
  Batch batch;
  for (;;) {
    auto step = next();
    if (!step) {
      batch.error = step.error();
      break;
    }
    if (!*step) break;
    batch.messages.push_back(std::move(**step));
  }
  return batch;
}

std::optional<ParseError> StreamParser::finish() const {
  if (failure_) return failure_;
  if (end_ == begin_) return std::nullopt;
  return ParseError{consumed_ + (end_ - begin_),
                    "stream ended inside the message that started at offset " +
                        std::to_string(consumed_)};
}

Expected<Message, ParseError> parse_message(std::string_view bytes, const ParseOptions& options) {
  Framer framer(options.limits);
  switch (framer.scan(bytes.data(), bytes.size())) {
    case Framer::Status::error:
      return unexpected(ParseError{framer.error_offset(), framer.error_reason()});
    case Framer::Status::need_more:
      return unexpected(ParseError{bytes.size(), "message is incomplete"});
    case Framer::Status::complete:
      break;
  }
  if (framer.message_size() != bytes.size()) {
    return unexpected(ParseError{framer.message_size(), "octets after the end of the message"});
  }
  std::shared_ptr<const void> owner;
  if (framer.has_payload()) {
    auto copy = std::make_shared<const std::string>(bytes);
    bytes = *copy;
    owner = std::move(copy);
  }
  return detail::parse_framed(bytes, owner, options);
}

std::string ParseError::describe() const {
  return "offset " + std::to_string(offset) + ": " + reason;
}

}  // namespace ocp
