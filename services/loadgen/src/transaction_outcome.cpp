#include "opes/loadgen/transaction_outcome.hpp"

namespace opes::loadgen {

const PartOutcome* TransactionOutcome::find(const ocp::smtp::AmPart& part) const {
  for (const PartOutcome& outcome : parts) {
    if (outcome.part == part) return &outcome;
  }
  return nullptr;
}

std::string TransactionOutcome::describe() const {
  std::string text = "transaction " + std::to_string(sequence) + " (connection " +
                     std::to_string(connection) + ", xid " + std::to_string(xid.value) + "): ";
  text += ended_by_server ? "TE " : "ended locally ";
  text += std::to_string(end.code);
  if (end.reason) text += " \"" + *end.reason + "\"";
  for (const std::string& problem : problems) text += "; " + problem;
  return text;
}

}  // namespace opes::loadgen
