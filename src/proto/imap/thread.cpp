// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES, the THREAD response text and msg-id parsing.
// Handles values from untrusted messages: every tree walk is iterative, the REFERENCES loop
// check uses a link-cut tree (O(log n) amortized instead of walking a chain that may be
// 100,000 messages long), and ThreadLimits caps references and dummies.
// RFC 5256 §2.2, §3, §4, §5; RFC 5322 §3.6.4.
#include "proto/imap/thread.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <unordered_map>

namespace postamt::proto::imap {
namespace {

constexpr uint32_t kNil = ThreadForest::kNone;

// Link-cut tree over rooted forests: link a root under a node, cut a node from its parent,
// find the root of a node's tree. Only used to answer "would this link make a loop?".
class LinkCut {
 public:
  void add() {
    left_.push_back(kNil);
    right_.push_back(kNil);
    up_.push_back(kNil);
  }

  uint32_t find_root(uint32_t x) {
    access(x);
    while (left_[x] != kNil) x = left_[x];
    splay(x);
    return x;
  }

  // `child` must be the root of its tree.
  void link(uint32_t child, uint32_t parent) {
    access(child);
    up_[child] = parent;
  }

  void cut(uint32_t x) {
    access(x);
    uint32_t l = left_[x];
    if (l != kNil) {
      up_[l] = kNil;
      left_[x] = kNil;
    }
  }

 private:
  // up_ is the splay parent, or for the root of a splay tree the path parent.
  bool is_splay_root(uint32_t x) const {
    uint32_t p = up_[x];
    return p == kNil || (left_[p] != x && right_[p] != x);
  }

  void rotate(uint32_t x) {
    uint32_t y = up_[x];
    uint32_t z = up_[y];
    bool y_was_root = is_splay_root(y);
    if (left_[y] == x) {
      left_[y] = right_[x];
      if (right_[x] != kNil) up_[right_[x]] = y;
      right_[x] = y;
    } else {
      right_[y] = left_[x];
      if (left_[x] != kNil) up_[left_[x]] = y;
      left_[x] = y;
    }
    up_[y] = x;
    up_[x] = z;
    if (!y_was_root) {
      if (left_[z] == y) {
        left_[z] = x;
      } else {
        right_[z] = x;
      }
    }
  }

  void splay(uint32_t x) {
    while (!is_splay_root(x)) {
      uint32_t y = up_[x];
      if (!is_splay_root(y)) {
        uint32_t z = up_[y];
        bool zigzig = (left_[y] == x) == (left_[z] == y);
        rotate(zigzig ? y : x);
      }
      rotate(x);
    }
  }

  void access(uint32_t x) {
    uint32_t last = kNil;
    for (uint32_t y = x; y != kNil; y = up_[y]) {
      splay(y);
      right_[y] = last;
      last = y;
    }
    splay(x);
  }

  std::vector<uint32_t> left_, right_, up_;
};

// The working tree of the REFERENCES algorithm: messages and dummies in creation order,
// msg_ mapping a node to its message (index into the input) or kNil for a dummy. Children
// are singly linked lists; their order only matters once sorted (steps 4 and 6).
class Tree {
 public:
  explicit Tree(std::span<const ThreadMessage> messages) : messages_(messages) {}

  uint32_t add(uint32_t message) {
    msg_.push_back(message);
    first_.push_back(kNil);
    next_.push_back(kNil);
    last_.push_back(kNil);
    return static_cast<uint32_t>(msg_.size() - 1);
  }
  size_t size() const { return msg_.size(); }
  bool dummy(uint32_t v) const { return msg_[v] == kNil; }

  // Children lists. last_ is kept exact by append(); set_children() recomputes it.
  void append(uint32_t parent, uint32_t child) {
    next_[child] = kNil;
    if (first_[parent] == kNil) {
      first_[parent] = child;
    } else {
      next_[last_[parent]] = child;
    }
    last_[parent] = child;
  }
  std::vector<uint32_t> children(uint32_t v) const {
    std::vector<uint32_t> out;
    for (uint32_t c = first_[v]; c != kNil; c = next_[c]) out.push_back(c);
    return out;
  }
  void set_children(uint32_t v, const std::vector<uint32_t>& kids) {
    first_[v] = last_[v] = kNil;
    for (uint32_t c : kids) append(v, c);
  }
  uint32_t first_child(uint32_t v) const { return first_[v]; }
  void claim(uint32_t v, uint32_t message) { msg_[v] = message; }

  // A dummy stands for its first child (RFC 5256 §3 REFERENCES steps 4, 5.B.i and 6).
  uint32_t representative(uint32_t v) const {
    while (v != kNil && dummy(v)) v = first_[v];
    return v;
  }
  const ThreadMessage* message_of(uint32_t v) const {
    uint32_t r = representative(v);
    return r == kNil ? nullptr : &messages_[msg_[r]];
  }
  // RFC 5256 §2.2: sent date, mailbox order breaking ties.
  std::pair<int64_t, uint32_t> sort_key(uint32_t v) const {
    uint32_t r = representative(v);
    if (r == kNil) return {INT64_MIN, 0};
    return {messages_[msg_[r]].date, msg_[r]};
  }
  void sort_children(uint32_t v) {
    if (first_[v] == kNil || next_[first_[v]] == kNil) return;
    std::vector<uint32_t> kids = children(v);
    std::sort(kids.begin(), kids.end(),
              [this](uint32_t a, uint32_t b) { return sort_key(a) < sort_key(b); });
    set_children(v, kids);
  }

  // Children before parents, for every node reachable from `root`.
  std::vector<uint32_t> post_order(uint32_t root) const {
    std::vector<uint32_t> order, stack{root};
    while (!stack.empty()) {
      uint32_t v = stack.back();
      stack.pop_back();
      order.push_back(v);
      for (uint32_t c = first_[v]; c != kNil; c = next_[c]) stack.push_back(c);
    }
    std::reverse(order.begin(), order.end());
    return order;
  }

  // Only what hangs below `root`; pruned and merged-away dummies are dropped.
  ThreadForest to_forest(uint32_t root) const {
    ThreadForest f;
    std::vector<uint32_t> index(size(), kNil);
    std::vector<uint32_t> order;  // pre-order; every node's index is known before its kids
    std::vector<uint32_t> stack;
    for (uint32_t c = first_[root]; c != kNil; c = next_[c]) stack.push_back(c);
    std::reverse(stack.begin(), stack.end());
    while (!stack.empty()) {
      uint32_t v = stack.back();
      stack.pop_back();
      index[v] = static_cast<uint32_t>(order.size());
      order.push_back(v);
      size_t mark = stack.size();
      for (uint32_t c = first_[v]; c != kNil; c = next_[c]) stack.push_back(c);
      std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(mark), stack.end());
    }
    f.nodes.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      uint32_t v = order[i];
      ThreadForest::Node& n = f.nodes[i];
      n.id = dummy(v) ? 0 : messages_[msg_[v]].id;
      n.first_child = first_[v] == kNil ? kNil : index[first_[v]];
      n.next_sibling = next_[v] == kNil ? kNil : index[next_[v]];
    }
    f.first_root = first_[root] == kNil ? kNil : index[first_[root]];
    return f;
  }

 private:
  std::span<const ThreadMessage> messages_;
  std::vector<uint32_t> msg_, first_, next_, last_;
};

void append_number(std::string& out, uint32_t n) {
  char buf[10];
  size_t len = 0;
  do {
    buf[len++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (len > 0) out.push_back(buf[--len]);
}

// RFC 5322 §3.2.2 comment starting at raw[i] == '('; returns the index after it.
size_t skip_comment(std::string_view raw, size_t i) {
  size_t depth = 0;
  for (; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  return raw.size();
}

// RFC 5322 §3.2.4 quoted-string starting at raw[i] == '"'; returns the index after it.
size_t skip_quoted(std::string_view raw, size_t i) {
  for (++i; i < raw.size(); ++i) {
    if (raw[i] == '\\') {
      ++i;
    } else if (raw[i] == '"') {
      return i + 1;
    }
  }
  return raw.size();
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Calls `emit(std::string&&)` for every valid msg-id in order until it returns false.
template <class Emit>
void scan_msg_ids(std::string_view raw, Emit emit) {
  size_t i = 0;
  while (i < raw.size()) {
    char c = raw[i];
    if (c == '(') {
      i = skip_comment(raw, i);
      continue;
    }
    if (c == '"') {
      i = skip_quoted(raw, i);
      continue;
    }
    if (c != '<') {
      ++i;
      continue;
    }
    // RFC 5322 §3.6.4 msg-id, obs-id-left = local-part (may be quoted, may contain CFWS).
    // RFC 5256 §3: normalize quoting so <"x"@y> equals <x@y>.
    std::string id;
    bool quoted = false, restart = false;
    size_t j = i + 1;
    for (; j < raw.size(); ++j) {
      char d = raw[j];
      if (quoted) {
        if (d == '\\' && j + 1 < raw.size()) {
          id.push_back(raw[++j]);
        } else if (d == '"') {
          quoted = false;
        } else if (d != '\r' && d != '\n') {
          id.push_back(d);
        }
        continue;
      }
      if (d == '>') break;
      if (d == '<') {
        restart = true;
        break;
      }
      if (d == '"') {
        quoted = true;
      } else if (d == '(') {
        j = skip_comment(raw, j) - 1;
      } else if (!is_space(d)) {
        id.push_back(d);
      }
    }
    if (restart) {
      i = j;
      continue;
    }
    if (j >= raw.size()) return;  // unterminated
    i = j + 1;
    size_t at = id.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == id.size()) continue;
    if (!emit(std::move(id))) return;
  }
}

}  // namespace

std::vector<std::string> parse_msg_ids(std::string_view raw, size_t max_ids) {
  std::vector<std::string> out;
  if (max_ids == 0) return out;
  // Keep the last max_ids in a ring, so memory stays bounded by max_ids.
  size_t start = 0;
  scan_msg_ids(raw, [&](std::string&& id) {
    if (out.size() < max_ids) {
      out.push_back(std::move(id));
    } else {
      out[start] = std::move(id);
      start = (start + 1) % max_ids;
    }
    return true;
  });
  std::rotate(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
  return out;
}

std::string first_msg_id(std::string_view raw) {
  std::string first;
  scan_msg_ids(raw, [&](std::string&& id) {
    first = std::move(id);
    return false;
  });
  return first;
}

ThreadForest thread_orderedsubject(std::span<const ThreadMessage> messages) {
  // RFC 5256 §3 ORDEREDSUBJECT: sort by base subject, then sent date (mailbox order on
  // ties, RFC 5256 §2.2).
  std::vector<uint32_t> order(messages.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const ThreadMessage& x = messages[a];
    const ThreadMessage& y = messages[b];
    if (int c = x.subject.compare(y.subject); c != 0) return c < 0;
    if (x.date != y.date) return x.date < y.date;
    return a < b;
  });
  ThreadForest f;
  f.nodes.resize(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) f.nodes[i].id = messages[i].id;
  // Each run of equal subjects is a thread: its first message is the parent, the rest are
  // its children (siblings of each other), already in date order.
  std::vector<uint32_t> heads;
  for (size_t i = 0; i < order.size();) {
    size_t j = i + 1;
    while (j < order.size() && messages[order[j]].subject == messages[order[i]].subject) ++j;
    uint32_t head = order[i];
    heads.push_back(head);
    uint32_t prev = kNil;
    for (size_t k = i + 1; k < j; ++k) {
      if (prev == kNil) {
        f.nodes[head].first_child = order[k];
      } else {
        f.nodes[prev].next_sibling = order[k];
      }
      prev = order[k];
    }
    i = j;
  }
  // Threads in order of their first message's sent date.
  std::sort(heads.begin(), heads.end(), [&](uint32_t a, uint32_t b) {
    if (messages[a].date != messages[b].date) return messages[a].date < messages[b].date;
    return a < b;
  });
  for (size_t i = 0; i < heads.size(); ++i) {
    f.nodes[heads[i]].next_sibling = i + 1 < heads.size() ? heads[i + 1] : kNil;
  }
  f.first_root = heads.empty() ? kNil : heads.front();
  return f;
}

ThreadForest thread_references(std::span<const ThreadMessage> messages, const ThreadLimits& limits) {
  Tree tree(messages);
  LinkCut lct;
  std::vector<uint32_t> parent;
  std::unordered_map<std::string_view, uint32_t> by_id;
  by_id.reserve(messages.size() * 2);
  size_t dummies = 0;

  auto add_node = [&](uint32_t message) {
    parent.push_back(kNil);
    lct.add();
    return tree.add(message);
  };
  // RFC 5256 §3 REFERENCES step 1.A: "before making message A the parent of B, make sure
  // that A is not a descendent of B". B is always a root here, so that is root(A) == B.
  auto try_link = [&](uint32_t child, uint32_t par) {
    if (child == par || lct.find_root(par) == child) return;
    parent[child] = par;
    lct.link(child, par);
  };

  // RFC 5256 §3 REFERENCES step (1), message by message in mailbox order.
  for (uint32_t i = 0; i < messages.size(); ++i) {
    const ThreadMessage& m = messages[i];
    std::vector<std::string_view> refs;
    for (const std::string& r : m.references) {
      if (!r.empty()) refs.push_back(r);
    }
    // Without a usable References field, the first In-Reply-To msg-id is the only reference.
    if (refs.empty() && !m.in_reply_to.empty()) refs.push_back(m.in_reply_to);
    if (refs.size() > limits.max_references) {
      refs.erase(refs.begin(), refs.end() - static_cast<std::ptrdiff_t>(limits.max_references));
    }

    // Step 1.A: link consecutive references parent -> child; a reference nobody has yet
    // becomes a dummy; a reference that already has a parent keeps it (the field may have
    // been truncated); no loops.
    uint32_t prev = kNil;
    for (std::string_view r : refs) {
      uint32_t node = kNil;
      if (auto it = by_id.find(r); it != by_id.end()) {
        node = it->second;
      } else if (dummies < limits.max_dummies) {
        ++dummies;
        node = add_node(kNil);
        by_id.emplace(r, node);
      }
      if (node != kNil && prev != kNil && parent[node] == kNil) try_link(node, prev);
      prev = node;
    }

    // A missing Message-ID or a duplicate of an earlier message's gets a unique node; a
    // dummy made for this Message-ID by earlier references becomes this message.
    uint32_t cur = kNil;
    if (!m.message_id.empty()) {
      auto it = by_id.find(m.message_id);
      if (it == by_id.end()) {
        cur = add_node(i);
        by_id.emplace(m.message_id, cur);
      } else if (tree.dummy(it->second)) {
        cur = it->second;
        tree.claim(cur, i);
      }
    }
    if (cur == kNil) cur = add_node(i);

    // Step 1.B: the last reference (if any) becomes the parent, replacing any parent the
    // message got from other messages' (maybe truncated) References.
    if (parent[cur] != kNil) {
      lct.cut(cur);
      parent[cur] = kNil;
    }
    if (prev != kNil) try_link(cur, prev);
  }

  // Step (2): parentless nodes become children of a dummy root.
  const uint32_t root = tree.add(kNil);
  for (uint32_t v = 0; v < root; ++v) {
    tree.append(parent[v] == kNil ? root : parent[v], v);
  }

  // Step (3): prune dummies, children before parents. A dummy without children goes; one
  // with children is replaced by them, except that several children are not promoted to
  // the top level.
  for (uint32_t v : tree.post_order(root)) {
    if (tree.first_child(v) == kNil) continue;
    std::vector<uint32_t> kids;
    bool changed = false;
    for (uint32_t c : tree.children(v)) {
      if (!tree.dummy(c)) {
        kids.push_back(c);
        continue;
      }
      uint32_t fc = tree.first_child(c);
      if (fc == kNil) {
        changed = true;
      } else if (v == root && tree.children(c).size() > 1) {
        kids.push_back(c);
      } else {
        for (uint32_t g : tree.children(c)) kids.push_back(g);
        changed = true;
      }
    }
    if (changed) tree.set_children(v, kids);
  }

  // Step (4): sort the top level by sent date; a dummy sorts its children first and then
  // counts as its first child.
  for (uint32_t c : tree.children(root)) {
    if (tree.dummy(c)) tree.sort_children(c);
  }
  tree.sort_children(root);

  // Step (5): gather threads with the same base subject.
  std::vector<uint32_t> top = tree.children(root);
  auto subject_of = [&](uint32_t v) -> std::string_view {
    const ThreadMessage* m = tree.message_of(v);
    return m ? std::string_view(m->subject) : std::string_view();
  };
  auto reply_or_forward = [&](uint32_t v) {
    return !tree.dummy(v) && tree.message_of(v)->reply_or_forward;
  };
  // 5.B: one message per subject: a dummy wins over a message, a non-reply over a reply.
  std::unordered_map<std::string_view, uint32_t> table;
  for (uint32_t c : top) {
    std::string_view s = subject_of(c);
    if (s.empty()) continue;
    auto [it, inserted] = table.emplace(s, c);
    if (inserted) continue;
    uint32_t t = it->second;
    if (!tree.dummy(t) && (tree.dummy(c) || (reply_or_forward(t) && !reply_or_forward(c)))) {
      it->second = c;
    }
  }
  // 5.C: merge every other thread with that subject into the table's.
  std::unordered_map<uint32_t, size_t> position;  // top-level node -> index in `top`
  for (size_t i = 0; i < top.size(); ++i) position.emplace(top[i], i);
  for (size_t i = 0; i < top.size(); ++i) {
    uint32_t c = top[i];
    if (c == kNil) continue;
    std::string_view s = subject_of(c);
    if (s.empty()) continue;
    uint32_t t = table.at(s);
    if (t == c) continue;
    if (tree.dummy(t) && tree.dummy(c)) {
      for (uint32_t g : tree.children(c)) tree.append(t, g);
    } else if (tree.dummy(t) || (reply_or_forward(c) && !reply_or_forward(t))) {
      tree.append(t, c);
    } else {
      uint32_t d = tree.add(kNil);
      tree.append(d, t);
      tree.append(d, c);
      size_t pt = position.at(t);
      top[pt] = d;
      position.erase(t);
      position.emplace(d, pt);
      table[s] = d;
    }
    top[i] = kNil;
    position.erase(c);
  }
  top.erase(std::remove(top.begin(), top.end(), kNil), top.end());
  tree.set_children(root, top);

  // Step (6): sort every set of siblings by sent date, grandchildren before children.
  for (uint32_t v : tree.post_order(root)) tree.sort_children(v);

  return tree.to_forest(root);
}

std::string format_threads(const ThreadForest& forest) {
  // RFC 5256 §5: thread-list = "(" (thread-members / thread-nested) ")";
  // thread-members = nz-number *(SP nz-number) [SP thread-nested];
  // thread-nested = 2*thread-list. A chain of only children stays flat ("3 6"), a branch
  // opens one list per child; dummies print nothing of their own.
  const auto& nodes = forest.nodes;
  std::string out;
  std::vector<uint32_t> pending;  // per open "(": the sibling to open after it closes
  uint32_t to_open = forest.first_root;
  for (;;) {
    if (to_open != kNil) {
      out.push_back('(');
      pending.push_back(nodes[to_open].next_sibling);
      uint32_t cur = to_open;
      bool printed = false;
      for (;;) {
        if (nodes[cur].id != 0) {
          if (printed) out.push_back(' ');
          append_number(out, nodes[cur].id);
          printed = true;
        }
        uint32_t fc = nodes[cur].first_child;
        if (fc != kNil && nodes[cur].id != 0 && nodes[fc].next_sibling == kNil && nodes[fc].id != 0) {
          cur = fc;
          continue;
        }
        break;
      }
      uint32_t fc = nodes[cur].first_child;
      if (fc != kNil) {
        if (printed) out.push_back(' ');
        to_open = fc;
        continue;
      }
    }
    if (pending.empty()) break;
    out.push_back(')');
    to_open = pending.back();
    pending.pop_back();
  }
  return out;
}

}  // namespace postamt::proto::imap
