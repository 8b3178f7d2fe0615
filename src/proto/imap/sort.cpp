// SORT ordering over precomputed sort values. Inputs derive from untrusted messages but are
// plain values here; time and memory are O(n log n) and O(n).
// RFC 5256 §2.2, §3; RFC 5957 §3-§4.
#include "proto/imap/sort.h"

#include <algorithm>
#include <numeric>

namespace postamt::proto::imap {
namespace {

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_strings(const std::string& a, const std::string& b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// RFC 5256 §2.2: the sent date, or INTERNALDATE when the Date: field is unusable.
int64_t sent_or_arrival(const SortMessage& m) { return m.sent_date ? *m.sent_date : m.arrival; }

int compare_by(SortField key, const SortMessage& a, const SortMessage& b) {
  switch (key) {
    case SortField::arrival:
      return three_way(a.arrival, b.arrival);
    case SortField::date:
      return three_way(sent_or_arrival(a), sent_or_arrival(b));
    case SortField::size:
      return three_way(a.size, b.size);
    case SortField::subject:
      return compare_strings(a.subject, b.subject);
    case SortField::from:
      return compare_strings(a.from, b.from);
    case SortField::to:
      return compare_strings(a.to, b.to);
    case SortField::cc:
      return compare_strings(a.cc, b.cc);
    case SortField::display_from:
      return compare_strings(a.display_from, b.display_from);
    case SortField::display_to:
      return compare_strings(a.display_to, b.display_to);
  }
  return 0;
}

const mime::Address* first_address(const std::vector<mime::Address>& addresses) {
  for (const mime::Address& a : addresses) {
    if (a.host) return &a;  // group start and end markers have no host
  }
  return nullptr;
}

}  // namespace

std::vector<size_t> sort_messages(std::span<const SortMessage> messages,
                                  std::span<const SortOrder> criteria) {
  std::vector<size_t> order(messages.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const SortMessage& a = messages[x];
    const SortMessage& b = messages[y];
    for (const SortOrder& c : criteria) {
      int r = compare_by(c.field, a, b);
      if (r != 0) return c.reverse ? r > 0 : r < 0;
    }
    // RFC 5256 §3: messages equal under every criterion stay in mailbox order.
    return a.seq < b.seq;
  });
  return order;
}

std::string address_sort_value(const std::vector<mime::Address>& addresses) {
  const mime::Address* a = first_address(addresses);
  return a && a->mailbox ? *a->mailbox : std::string();
}

std::string display_sort_value(const std::vector<mime::Address>& addresses) {
  const mime::Address* a = first_address(addresses);
  if (!a) return {};
  // RFC 5957 §3: decode the addr-name (RFC 5255 §4.6); use it unless empty.
  if (a->name) {
    std::string name = mime::decode_encoded_words(*a->name);
    if (!name.empty()) return name;
  }
  if (a->mailbox && a->host && !a->host->empty()) return *a->mailbox + "@" + *a->host;
  if (a->mailbox) return *a->mailbox;
  return {};
}

}  // namespace postamt::proto::imap
