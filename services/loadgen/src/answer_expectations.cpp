#include "opes/loadgen/answer_expectations.hpp"

namespace opes::loadgen {

namespace {

std::string headers_of(const PartOutcome& part) {
  std::string text;
  for (const auto& field : part.added_headers) text += (text.empty() ? "" : " | ") + field.text();
  return text.empty() ? "none" : text;
}

}  // namespace

std::optional<std::string> check_answers(const AnswerExpectations& expected,
                                         const TransactionOutcome& outcome) {
  if (!outcome.succeeded()) return "not a TE 200 without problems";
  const PartOutcome* rawdata = outcome.find(ocp::smtp::AmPart::rawdata);
  if (!rawdata) return "RAWDATA was not negotiated as adaptive";
  if (!rawdata->answered) return "RAWDATA got no answer";
  for (const PartOutcome& part : outcome.parts) {
    if (expected.no_advice && part.advice) {
      return std::string(part.part.token()) + " got Advice " +
             std::string(ocp::smtp::to_token(*part.advice));
    }
  }

  if (expected.match_reply && carries_match(expected.shape, outcome.sequence)) {
    if (!rawdata->reply) return "the matching message was not rejected";
    if (rawdata->reply->text() != *expected.match_reply)
      return "rejected with \"" + rawdata->reply->text() + "\"";
    if (!rawdata->added_headers.empty())
      return "the rejected message got header fields: " + headers_of(*rawdata);
    return std::nullopt;
  }

  if (expected.unchanged) {
    for (const PartOutcome& part : outcome.parts) {
      if (part.reply)
        return std::string(part.part.token()) + " rejected with \"" + part.reply->text() + "\"";
      if (!part.answered) return std::string(part.part.token()) + " got no answer";
      if (part.content != part.original) {
        return std::string(part.part.token()) + " came back changed (" +
               std::to_string(part.content.size()) + " octets for " +
               std::to_string(part.original.size()) + ")";
      }
    }
  }
  if (expected.header) {
    if (rawdata->added_headers.size() != 1 ||
        rawdata->added_headers.front().text() != *expected.header) {
      return "RAWDATA header fields: " + headers_of(*rawdata);
    }
  } else if (!rawdata->added_headers.empty()) {
    return "unexpected header fields: " + headers_of(*rawdata);
  }
  return std::nullopt;
}

}  // namespace opes::loadgen
