#include "opes/processor/link_error.hpp"

namespace opes::processor {

std::string_view to_string(LinkErrorCode code) noexcept {
  switch (code) {
    case LinkErrorCode::not_ready:
      return "not_ready";
    case LinkErrorCode::link_failed:
      return "link_failed";
    case LinkErrorCode::closing:
      return "closing";
    case LinkErrorCode::unknown_group:
      return "unknown_group";
    case LinkErrorCode::too_many_transactions:
      return "too_many_transactions";
    case LinkErrorCode::unknown_transaction:
      return "unknown_transaction";
    case LinkErrorCode::transaction_ended:
      return "transaction_ended";
    case LinkErrorCode::original_ended:
      return "original_ended";
    case LinkErrorCode::part_out_of_order:
      return "part_out_of_order";
    case LinkErrorCode::part_too_large:
      return "part_too_large";
    case LinkErrorCode::output_full:
      return "output_full";
    case LinkErrorCode::invalid_meta:
      return "invalid_meta";
    case LinkErrorCode::refused_by_engine:
      return "refused_by_engine";
  }
  return "unknown";
}

}  // namespace opes::processor
