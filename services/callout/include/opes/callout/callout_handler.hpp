#pragma once
// One OCP connection of the callout server: negotiates the SMTP profiles
// from the catalog's service needs, binds service groups to configured
// services, and runs each transaction through its services
// (TransactionPipeline), sending the adapted dataflow back.

#include <memory>

#include "opes/callout/engine_handler.hpp"
#include "opes/callout/server.hpp"
#include "opes/callout/service_catalog.hpp"

namespace opes::callout {

/// The engine configuration the catalog's limits and timeouts call for.
ocp::engine::Config engine_config_for(const CalloutConfig& config);

/// Makes a CalloutHandler per accepted connection, all sharing `catalog`.
HandlerFactory make_handler_factory(std::shared_ptr<const ServiceCatalog> catalog);

std::unique_ptr<ConnectionHandler> make_callout_handler(std::shared_ptr<const ServiceCatalog> catalog,
                                                        const PeerInfo& peer, TimePoint now);

}  // namespace opes::callout
