#pragma once
// Per-transaction and per-service-group state of the connection engine
// (digest c.3–c.8). Internal: the application sees it only through events.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "ocp/engine/config.hpp"
#include "ocp/engine/preservation.hpp"
#include "ocp/types.hpp"

namespace ocp::engine::detail {

/// §11.3: a bound service group, with the features negotiated for it (§6, SG scope).
struct ServiceGroup {
  std::vector<Service> services;
  std::vector<Feature> features;
};

/// One creator's service groups (A-9: one table per creator).
struct ServiceGroupTable {
  std::map<std::uint32_t, ServiceGroup> bound;
  std::optional<std::uint32_t> highest;  // ids strictly increase (§10.2 uni)
};

/// One application message and its dataflow (c.5, c.6).
struct Flow {
  enum class State { not_started, open, ended };
  State state = State::not_started;
  std::uint64_t offset = 0;  // next offset: octets of DUM payloads and DUY sizes so far
};

struct Transaction {
  Xid xid;
  ServiceGroupId sg;
  std::vector<Service> services;
  Flow original;
  Flow adapted;
  TimePoint last_activity{};

  // c.7, for the dataflow this agent sends.
  std::optional<std::uint64_t> pause_at;  // peer's DWP offset (A-14: octets below it go out)
  bool my_flow_paused = false;            // we sent DPM, no DWM received since
  // c.7, for the dataflow the peer sends.
  bool peer_flow_paused = false;          // peer sent DPM, we sent no DWM since

  // §8: getting out of the loop.
  bool dwsr = false;  // S sent / P received DWSR
  bool dwss = false;  // S sent / P received DWSS
  bool dss = false;   // P sent / S received DSS
  std::uint64_t dss_original_offset = 0;  // P uses original data from here

  PreservedStore preserved;  // P
  ReuseTracker reuse;        // S
};

}  // namespace ocp::engine::detail
