// SEARCH key evaluation over one message's metadata. Handles trees built from
// authenticated clients' commands: every walk uses an explicit stack, never recursion.
// RFC 9051 §6.4.4; RFC 3501 §6.4.4; RFC 7162 §3.1.5; RFC 8474 §6; RFC 5032; RFC 8514 §5.
#include "proto/imap/search_eval.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "base/strings.h"

namespace postamt::proto::imap {
namespace {

using Type = EvalKey::Type;

bool is_composite(Type t) { return t == Type::and_ || t == Type::or_ || t == Type::not_; }

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool in_ranges(const std::vector<NumberRange>& ranges, uint32_t n) {
  // Ranges are sorted and disjoint: the only candidate is the last one starting at or below n.
  auto it = std::upper_bound(ranges.begin(), ranges.end(), n,
                             [](uint32_t v, const NumberRange& r) { return v < r.lo; });
  if (it == ranges.begin()) return false;
  --it;
  return n <= it->hi;
}

// RFC 9051 §2.3.2: flag and keyword names are case-insensitive.
bool has_flag(const EvalMessage& m, std::string_view flag) {
  // RFC 3501 §2.3.2: \Recent is session state, not a stored flag.
  if (iequals(flag, "\\Recent")) return m.recent;
  for (const std::string& f : m.flags) {
    if (iequals(f, flag)) return true;
  }
  return false;
}

// RFC 9051 §6.4.4: dates compare "disregarding time and timezone", i.e. the calendar day
// as written in the date's own zone.
bool compare_day(Type t, int64_t message_day, int64_t key_day) {
  switch (t) {
    case Type::before:
    case Type::sent_before:
    case Type::saved_before:
      return message_day < key_day;
    case Type::on:
    case Type::sent_on:
    case Type::saved_on:
      return message_day == key_day;
    default:  // since, sent_since, saved_since
      return message_day >= key_day;
  }
}

int64_t clamp_seconds(uint64_t n) {
  return static_cast<int64_t>(std::min<uint64_t>(n, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
}

// Saturating now - internal_date (both come from outside; no signed overflow).
int64_t age(const EvalContext& ctx, const EvalMessage& m) {
  int64_t a = 0;
  if (__builtin_sub_overflow(ctx.now, m.internal_date, &a)) {
    return m.internal_date < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return a;
}

bool eval_leaf(const EvalKey& k, const EvalMessage& m, EvalSource& source, const EvalContext& ctx) {
  switch (k.type) {
    case Type::all:
      return true;
    case Type::none:
      return false;
    case Type::seq_set:
      return in_ranges(k.ranges, m.seq);
    case Type::uid_set:
      return in_ranges(k.ranges, m.uid);
    case Type::flag_set:
      return has_flag(m, k.name);
    case Type::flag_unset:
      return !has_flag(m, k.name);
    case Type::new_:  // RFC 3501 §6.4.4 NEW: RECENT UNSEEN
      return m.recent && !has_flag(m, "\\Seen");
    case Type::old:
      return !m.recent;
    case Type::recent:
      return m.recent;
    case Type::larger:
      return m.size > k.number;
    case Type::smaller:
      return m.size < k.number;
    case Type::before:
    case Type::on:
    case Type::since:
      return compare_day(k.type, day_of(m.internal_date, m.internal_zone_minutes), k.day);
    case Type::sent_before:
    case Type::sent_on:
    case Type::sent_since: {
      // RFC 9051 §6.4.4 does not say what a message without a usable Date: field matches.
      // Like SORT DATE (RFC 5256 §2.2) we use the internal date then, so SEARCH and SORT
      // agree on every message's sent date.
      int64_t day = m.sent_date ? day_of(*m.sent_date, m.sent_zone_minutes)
                                : day_of(m.internal_date, m.internal_zone_minutes);
      return compare_day(k.type, day, k.day);
    }
    case Type::saved_before:
    case Type::saved_on:
    case Type::saved_since:
      // RFC 8514 §5: without save dates the SAVED* keys match nothing. Save dates are UTC.
      return m.save_date && compare_day(k.type, day_of(*m.save_date, 0), k.day);
    case Type::savedate_supported:
      return m.save_date.has_value();
    case Type::header:
      return source.header_contains(m.uid, k.name, k.value);
    case Type::body:
    case Type::text:
      return source.text_match(m.uid, k);
    case Type::modseq_ge:  // RFC 7162 §3.1.5
      return m.modseq >= k.number;
    case Type::emailid:
      return m.email_id == k.value;
    case Type::threadid:
      return m.thread_id == k.value;
    // RFC 5032 §3: OLDER and YOUNGER are exact complements (age == interval is YOUNGER).
    case Type::older:
      return age(ctx, m) > clamp_seconds(k.number);
    case Type::younger:
      return age(ctx, m) <= clamp_seconds(k.number);
    case Type::and_:
    case Type::or_:
    case Type::not_:
      break;
  }
  return false;
}

enum class Cost { cheap = 0, header = 1, text = 2 };

Cost leaf_cost(Type t) {
  if (t == Type::header) return Cost::header;
  if (t == Type::body || t == Type::text) return Cost::text;
  return Cost::cheap;
}

}  // namespace

int64_t day_of(int64_t unix_seconds, int32_t zone_minutes) {
  // Split first so that no value from outside can overflow.
  int64_t days = floor_div(unix_seconds, 86400);
  int64_t second_of_day = unix_seconds % 86400;
  if (second_of_day < 0) second_of_day += 86400;
  return days + floor_div(second_of_day + static_cast<int64_t>(zone_minutes) * 60, 86400);
}

Result<EvalTreeInfo> inspect(const EvalKey& root, size_t max_depth, size_t max_nodes) {
  EvalTreeInfo info;
  struct Item {
    const EvalKey* key;
    size_t depth;
  };
  std::vector<Item> stack{{&root, 1}};
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    if (++info.nodes > max_nodes) return Error::make(ErrorCode::too_big, "Search too complex");
    if (it.depth > max_depth) return Error::make(ErrorCode::too_big, "Search nested too deeply");
    info.depth = std::max(info.depth, it.depth);
    const EvalKey& k = *it.key;
    switch (k.type) {
      case Type::body:
      case Type::text:
        info.needs_text = true;
        break;
      case Type::header:
        info.needs_header = true;
        break;
      case Type::modseq_ge:
        info.uses_modseq = true;
        break;
      case Type::new_:
      case Type::old:
      case Type::recent:
        info.uses_recent = true;
        break;
      case Type::flag_set:
      case Type::flag_unset:
        if (iequals(k.name, "\\Recent")) info.uses_recent = true;
        break;
      default:
        break;
    }
    if (is_composite(k.type)) {
      for (const EvalKey& c : k.children) stack.push_back({&c, it.depth + 1});
    }
  }
  return info;
}

std::vector<const EvalKey*> text_keys(const EvalKey& root) {
  std::vector<const EvalKey*> out;
  std::vector<const EvalKey*> stack{&root};
  while (!stack.empty()) {
    const EvalKey* k = stack.back();
    stack.pop_back();
    if (k->type == Type::body || k->type == Type::text) out.push_back(k);
    if (is_composite(k->type)) {
      // Reverse push keeps document order on the way out.
      for (auto it = k->children.rbegin(); it != k->children.rend(); ++it) stack.push_back(&*it);
    }
  }
  return out;
}

void order_by_cost(EvalKey& root) {
  // Post-order: a composite costs as much as its most expensive child, known once its
  // children are done. `done` holds the cost of finished composites until their parent
  // reads it (before the parent moves them, which changes their address).
  struct Frame {
    EvalKey* key;
    bool expanded;
  };
  std::unordered_map<const EvalKey*, Cost> done;
  std::vector<Frame> stack{{&root, false}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    EvalKey* k = f.key;
    if (!is_composite(k->type)) {
      stack.pop_back();
      continue;
    }
    if (!f.expanded) {
      f.expanded = true;
      for (EvalKey& c : k->children) {
        if (is_composite(c.type)) stack.push_back({&c, false});  // invalidates f
      }
      continue;
    }
    stack.pop_back();
    Cost mine = Cost::cheap;
    std::vector<std::pair<Cost, size_t>> order;
    order.reserve(k->children.size());
    for (size_t i = 0; i < k->children.size(); ++i) {
      const EvalKey& c = k->children[i];
      Cost cost = leaf_cost(c.type);
      if (is_composite(c.type)) {
        auto it = done.find(&c);
        if (it != done.end()) {
          cost = it->second;
          done.erase(it);
        }
      }
      mine = std::max(mine, cost);
      order.emplace_back(cost, i);
    }
    // and_/or_ are commutative and NOT negates the AND of its children, so any order gives
    // the same result.
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<EvalKey> sorted;
    sorted.reserve(order.size());
    for (const auto& o : order) sorted.push_back(std::move(k->children[o.second]));
    k->children = std::move(sorted);
    done[k] = mine;
  }
}

bool evaluate(const EvalKey& root, const EvalMessage& msg, EvalSource& source,
              const EvalContext& context) {
  if (!is_composite(root.type)) return eval_leaf(root, msg, source, context);
  struct Frame {
    const EvalKey* key;
    size_t next;  // index of the next child to evaluate
  };
  std::vector<Frame> stack;
  stack.push_back({&root, 0});
  bool result = false;
  bool have_result = false;  // `result` holds the value of the frame just popped
  while (!stack.empty()) {
    Frame& f = stack.back();
    const EvalKey& k = *f.key;
    if (have_result) {
      have_result = false;
      // Short circuit: AND (and NOT's inner AND) stops at false, OR at true.
      bool decided = (k.type == Type::or_) ? result : !result;
      if (decided) {
        if (k.type == Type::not_) result = !result;
        stack.pop_back();
        have_result = true;
        continue;
      }
    }
    if (f.next < k.children.size()) {
      const EvalKey& c = k.children[f.next++];
      if (is_composite(c.type)) {
        stack.push_back({&c, 0});  // invalidates f
      } else {
        result = eval_leaf(c, msg, source, context);
        have_result = true;
      }
      continue;
    }
    // Every child evaluated without deciding: AND -> true, OR -> false, NOT(AND) -> false.
    result = (k.type == Type::and_);
    stack.pop_back();
    have_result = true;
  }
  return result;
}

}  // namespace postamt::proto::imap
