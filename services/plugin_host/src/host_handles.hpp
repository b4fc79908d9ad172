#pragma once
// The host's side of the opaque handles of opes/plugin.h. The host objects
// derive from them, so a handle converts back with a checked static_cast
// instead of a reinterpret_cast.

struct opes_host_service {};
struct opes_host_transaction {};
