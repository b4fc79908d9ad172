#pragma once
// Origin as the hold queue stores it (queue::OriginFacts) and back: a
// held message keeps the facts about its client, so that the re-scan at
// release (ODMR) sees the same client the first scan did.

#include "opes/queue/held_record.hpp"
#include "opes/transaction/origin.hpp"

namespace opes::proxy {

queue::OriginFacts held_origin(const Origin& origin);
Origin origin_of(const queue::OriginFacts& facts);

}  // namespace opes::proxy
