#pragma once
// One SMTP transaction run through a service: the dispatcher feeds the
// am-parts in SMTP order, chunk by chunk, and collects a verdict per
// adaptive part. Parts the service did not ask for are passed over (draft
// §3.1: unknown parts are ignored) and get no verdict.
//
// When verdicts are final: a command part's (MAIL, RCPT, ...) as soon as
// feed() of its chunk returns, since the SMTP client waits for that reply;
// a content part's (RAWDATA, BODY, ...) when end_of_message() returns.
//
// Not thread-safe: one transaction is driven by one thread at a time.

#include <memory>
#include <string_view>

#include "opes/plugin_host/allow.hpp"
#include "opes/plugin_host/error.hpp"
#include "opes/plugin_host/expected.hpp"
#include "opes/plugin_host/verdict.hpp"

namespace opes::plugin_host {

namespace detail {
class TransactionCore;
}

class Transaction {
 public:
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  /// Aborts the transaction if it is still open, then releases it.
  ~Transaction();

  /// Delivers one chunk of an am-part; `last` ends the part. A part other
  /// than RAWDATA, ALLHEADERS, BODY or SECTIONS comes in one chunk (draft
  /// §3.3.1). `allow` is what the processor accepts in answers to the part,
  /// read on its first chunk; everything unless the caller says otherwise.
  /// `may_adapt` false: the negotiation made the part informative (draft
  /// §3.2.4), so a service that adapts it only reads it this time.
  /// Returns the part's index. On error the transaction has failed (result()
  /// says why) unless it was not open in the first place.
  Expected<PartIndex, Error> feed(std::string_view part, std::string_view bytes, bool last,
                                  Allow allow = {}, bool may_adapt = true);

  /// The final verdict of an adaptive part; nullptr while it is not final,
  /// or for a part that was informative or passed over. Valid until the
  /// next call of feed() or end_of_message().
  const PartVerdict* verdict(PartIndex part) const noexcept;

  /// Every part has been fed: lets the service give its last answers and
  /// returns the result (Completed, or Failed).
  const TransactionResult& end_of_message();

  /// Abandons the transaction (RSET, QUIT, peer failure); no effect unless
  /// it is open.
  void abort() noexcept;

  bool is_open() const noexcept;
  const TransactionResult& result() const noexcept;

 private:
  friend class ServiceInstance;
  explicit Transaction(std::unique_ptr<detail::TransactionCore> core);
  std::unique_ptr<detail::TransactionCore> core_;
};

}  // namespace opes::plugin_host
