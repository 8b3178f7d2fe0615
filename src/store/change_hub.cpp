// Change fan-out; see change_hub.h.
#include "store/change_hub.h"

namespace postamt::store {

void ChangeHub::subscribe(ChangeListener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::make_shared<const ChangeListener>(std::move(listener)));
}

void ChangeHub::publish(const std::vector<Change>& changes) const {
  if (changes.empty()) return;
  std::vector<std::shared_ptr<const ChangeListener>> snapshot;
  {
    std::lock_guard lock(mu_);
    snapshot = listeners_;
  }
  for (const auto& change : changes)
    for (const auto& listener : snapshot) (*listener)(change);
}

}  // namespace postamt::store
