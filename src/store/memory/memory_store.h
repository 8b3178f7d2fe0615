// In-memory store backend: the same semantics as the SQLite backend (the shared
// conformance suite checks both), nothing persisted. For tests of sessions.
#pragma once

#include <memory>

#include "store/store.h"

namespace postamt::store {

std::unique_ptr<Store> make_memory_store();

}  // namespace postamt::store
