#include "opes/plugin_host/transaction.hpp"

#include <utility>

#include "transaction_core.hpp"

namespace opes::plugin_host {

Transaction::Transaction(std::unique_ptr<detail::TransactionCore> core) : core_(std::move(core)) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction& Transaction::operator=(Transaction&&) noexcept = default;
Transaction::~Transaction() = default;

Expected<PartIndex, Error> Transaction::feed(std::string_view part, std::string_view bytes,
                                             bool last, Allow allow, bool may_adapt) {
  return core_->feed(part, bytes, last, allow, may_adapt);
}

const PartVerdict* Transaction::verdict(PartIndex part) const noexcept {
  return core_->verdict(part);
}

const TransactionResult& Transaction::end_of_message() {
  return core_->end_of_message();
}

void Transaction::abort() noexcept {
  core_->abort();
}

bool Transaction::is_open() const noexcept {
  return core_->is_open();
}

const TransactionResult& Transaction::result() const noexcept {
  return core_->result();
}

}  // namespace opes::plugin_host
