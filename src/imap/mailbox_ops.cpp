// Mailbox helpers; see mailbox_ops.h.
#include "imap/mailbox_ops.h"

namespace postamt::imap {

Result<void> create_parents(store::Store& st, int64_t account_id, std::string_view name) {
  for (size_t pos = name.find('/'); pos != std::string_view::npos; pos = name.find('/', pos + 1)) {
    auto parent = name.substr(0, pos);
    auto r = st.create_mailbox(account_id, parent, "");
    if (!r && r.error().code != ErrorCode::exists) return r.error();
  }
  return ok_result();
}

Result<store::Mailbox> mailbox_by_id(store::Store& st, int64_t account_id, int64_t mailbox_id) {
  auto all = st.list_mailboxes(account_id);
  if (!all) return all.error();
  for (auto& m : *all)
    if (m.id == mailbox_id) return std::move(m);
  return Error::make(ErrorCode::not_found, "No such mailbox");
}

bool has_children(const std::vector<store::Mailbox>& all, std::string_view name) {
  for (const auto& m : all)
    if (m.name.size() > name.size() + 1 && m.name.compare(0, name.size(), name) == 0 && m.name[name.size()] == '/')
      return true;
  return false;
}

}  // namespace postamt::imap
