#pragma once
// Delivery into the ODMR hold queue (RFC 2645): the routing sends here the
// recipients in customer domains; the message is held for ATRN instead of
// going upstream, and the client gets its 250 only once the store says the
// message and its records are durable (the store's group commit: the
// session waits without blocking its thread).

#include <memory>

#include "opes/proxy/delivery.hpp"
#include "opes/queue/hold_store.hpp"

namespace opes::proxy {

/// `store` outlives the delivery (the daemon opens it once).
std::unique_ptr<Delivery> make_hold_delivery(queue::HoldStore& store);

/// HoldWriter::commit() as an awaitable: the store's callback, on its own
/// thread, resumes the caller on the caller's executor.
asio::awaitable<queue::EnqueueResult> commit_held(std::unique_ptr<queue::HoldWriter> writer);

}  // namespace opes::proxy
