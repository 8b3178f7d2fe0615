// Fan-out of committed changes to subscribers (DESIGN §2: broadcast after commit).
// Backends call publish() only after their transaction is durable.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace postamt::store {

class ChangeHub {
 public:
  void subscribe(ChangeListener listener);
  // Calls every listener on the calling thread, outside any lock, so a listener
  // may call back into the store.
  void publish(const std::vector<Change>& changes) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const ChangeListener>> listeners_;
};

}  // namespace postamt::store
