#pragma once
// The answer parameters the processor accepts for one part: its Allow list
// (draft-ietf-opes-smtp-00 §3.3.2). The host refuses an answer the
// processor said it would not take, so the dispatcher never has to drop one.

namespace opes::plugin_host {

struct Allow {
  bool smtp_error = true;  // reject
  bool advice = true;      // advise
  bool add_header = true;  // add_header

  /// An empty Allow list (also what an absent Allow parameter means).
  static constexpr Allow none() noexcept { return {false, false, false}; }
};

}  // namespace opes::plugin_host
