// Helpers for the per-command grammar tests: turn a command line into a Command through
// the real parser, and feed wire bytes through the Tokenizer whole, split at every byte
// and one byte at a time (DESIGN §9).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/command_parser.h"
#include "proto/imap/tokenizer.h"

namespace postamt::proto::imap::testing {

// parse_command on one logical line (literals inline as "{n}\r\n..."); fails the test on a
// command-level syntax error.
inline Command command(std::string_view line) {
  auto r = parse_command(line);
  if (auto* e = std::get_if<CommandError>(&r)) {
    ADD_FAILURE() << "parse_command failed for '" << line << "': " << e->message;
    return {};
  }
  return std::get<Command>(r);
}

// The Lines the tokenizer produces for `wire` fed in pieces of `step` bytes (0 = whole).
inline std::vector<std::string> tokenizer_lines(std::string_view wire, size_t step, size_t split_at = 0) {
  Tokenizer tok;
  std::vector<std::string> lines;
  auto drain = [&] {
    for (;;) {
      TokenizerEvent ev = tok.next();
      if (std::holds_alternative<NeedMore>(ev)) return;
      if (auto* l = std::get_if<Line>(&ev)) lines.push_back(l->text);
      if (std::holds_alternative<TooLong>(ev)) lines.push_back("<too long>");
    }
  };
  if (split_at > 0) {
    tok.feed(wire.substr(0, split_at));
    drain();
    tok.feed(wire.substr(split_at));
    drain();
  } else if (step == 0) {
    tok.feed(wire);
    drain();
  } else {
    for (size_t pos = 0; pos < wire.size(); pos += step) {
      tok.feed(wire.substr(pos, step));
      drain();
    }
  }
  return lines;
}

// Feeds `wire` (one complete command with its CRLF) whole, split in two at every byte and
// byte by byte; each time the tokenizer must give exactly one Line and `check` is run on
// its Command.
inline void for_each_split(std::string_view wire, const std::function<void(const Command&)>& check) {
  auto run = [&](const std::vector<std::string>& lines, const std::string& how) {
    ASSERT_EQ(lines.size(), 1u) << how;
    SCOPED_TRACE(how);
    check(command(lines[0]));
  };
  run(tokenizer_lines(wire, 0), "whole");
  for (size_t i = 1; i < wire.size(); ++i) run(tokenizer_lines(wire, 0, i), "split at " + std::to_string(i));
  run(tokenizer_lines(wire, 1), "byte by byte");
}

}  // namespace postamt::proto::imap::testing
