// Shared helpers for the MIME unit tests: structural invariant checks used by the
// hand-written structure tests, the corpus test and the limit tests.
// Inputs here are test data, but the checks assume nothing about them (hostile corpus).
// RFCs: 2046 §5.1.1 (delimiter lines), 3501 §7.4.2 (line counts).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mime/mime.h"

namespace postamt::mime::test {

// Lines as the parser counts them: LF characters (a last line without LF is not counted).
inline size_t count_lines(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// True if `s` has a line that the parser must treat as a delimiter of `boundary`: it
// starts with "--" + boundary and is not claimed by a boundary of `inner` (the
// multiparts inside the slice), which win when at least as long (longest prefix wins,
// innermost on ties; see parser.cpp).
inline bool has_delimiter_line(std::string_view s, const std::string& boundary,
                               const std::vector<std::string>& inner = {}) {
  std::string d = "--" + boundary;
  size_t at = 0;
  for (;;) {
    std::string_view line = s.substr(at);
    if (line.substr(0, d.size()) == d) {
      bool claimed = false;
      for (const auto& b : inner)
        if (b.size() >= boundary.size() && line.substr(0, b.size() + 2) == "--" + b) claimed = true;
      if (!claimed) return true;
    }
    size_t nl = s.find('\n', at);
    if (nl == std::string_view::npos) return false;
    at = nl + 1;
  }
}

// Boundaries of every multipart in the subtree of p (p included); also those of
// multiparts without children (a close delimiter alone is claimed by them too).
inline std::vector<std::string> subtree_boundaries(const Part& p) {
  std::vector<std::string> out;
  std::vector<const Part*> stack{&p};
  while (!stack.empty()) {
    const Part* q = stack.back();
    stack.pop_back();
    if (q->is_multipart())
      if (const std::string* b = find_param(q->params, "boundary")) out.push_back(*b);
    for (const auto& c : q->children) stack.push_back(&c);
  }
  return out;
}

// Checks every invariant documented in mime.h; returns the maximum depth seen.
// Iterative so that a deep tree cannot overflow the test's stack either.
inline size_t check_tree(const Part& root, std::string_view msg, const std::string& what) {
  struct Item {
    const Part* part;
    const Part* parent;
    size_t depth;
  };
  std::vector<Item> stack{{&root, nullptr, 0}};
  size_t max_depth = 0;
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    const Part& p = *it.part;
    max_depth = std::max(max_depth, it.depth);
    SCOPED_TRACE(what + " part@" + std::to_string(p.offset));
    EXPECT_EQ(p.body_offset, p.offset + p.header_size);
    EXPECT_LE(p.body_offset, msg.size());
    if (p.body_offset > msg.size() || p.body_size > msg.size() - p.body_offset) {
      ADD_FAILURE() << "part out of bounds";
      continue;
    }
    std::string_view body = msg.substr(p.body_offset, p.body_size);
    EXPECT_EQ(p.body_lines, count_lines(body));
    EXPECT_EQ(p.header_lines, count_lines(msg.substr(p.offset, p.header_size)));
    if (it.parent && it.parent->is_multipart()) {
      const std::string* b = find_param(it.parent->params, "boundary");
      if (b && !b->empty()) {
        auto inner = subtree_boundaries(p);
        EXPECT_FALSE(has_delimiter_line(body, *b, inner)) << "body contains the parent's delimiter";
        EXPECT_FALSE(has_delimiter_line(msg.substr(p.offset, p.header_size), *b, inner));
      }
    }
    if (p.is_message() && !p.children.empty()) {
      EXPECT_EQ(p.children.size(), 1u);
      EXPECT_EQ(p.children[0].offset, p.body_offset);
      EXPECT_EQ(p.children[0].header_size + p.children[0].body_size, p.body_size);
      EXPECT_TRUE(p.envelope.has_value());
    }
    size_t prev_end = p.body_offset;
    for (const Part& c : p.children) {
      EXPECT_GE(c.offset, prev_end);
      EXPECT_LE(c.body_offset + c.body_size, p.body_offset + p.body_size);
      prev_end = c.body_offset + c.body_size;
      stack.push_back({&c, &p, it.depth + 1});
    }
  }
  return max_depth;
}

}  // namespace postamt::mime::test
