#pragma once
// Delivery by route: each recipient goes to the destination its domain is
// routed to (config.hpp Routing), one destination per mail transaction.
// Modelled on Dovecot's submission backends: the destination's own Delivery
// is opened when the first recipient is routed to it, and its transaction
// started then, so what the client sees is that destination's replies.
//
// With every route leading to one destination (the legacy upstream or
// spool), MAIL goes to it at once and the client gets its reply: exactly
// the behaviour of a single Delivery. With several, MAIL is taken here
// (250 2.1.0) and sent at the first RCPT; a refusal of that MAIL is the
// RCPT's reply. A recipient routed elsewhere than the transaction's
// accepted ones gets 452 4.5.3 (RFC 5321 §4.5.3.1.10: the client sends it
// in a later transaction); docs/ocp-conformance.md, "Routing".

#include <functional>
#include <memory>

#include "opes/proxy/config.hpp"
#include "opes/proxy/delivery.hpp"
#include "opes/proxy/delivery_cache.hpp"
#include "opes/queue/hold_store.hpp"

namespace opes::proxy {

/// Opens the Delivery of the destination at this index of
/// Routing::destinations (a connection is made at its first mail()).
using DestinationOpener = std::function<std::unique_ptr<Delivery>(std::size_t destination)>;

/// `routing` must outlive the delivery; so must `cache` (may be null: no
/// connection caching). Idle connections are taken from the cache by
/// destination name and given back to it at quit().
std::unique_ptr<Delivery> make_routing_delivery(const Routing& routing, DestinationOpener open,
                                                DeliveryCache* cache);

/// The kind's factory: the Delivery of one configured destination.
/// `tls`: the client context for an upstream's STARTTLS (null: none);
/// `hold`: the ODMR hold queue, for the destination of kind hold.
std::unique_ptr<Delivery> make_destination_delivery(const Destination& destination, TlsContext tls,
                                                    std::string helo_name, queue::HoldStore* hold = nullptr);

}  // namespace opes::proxy
