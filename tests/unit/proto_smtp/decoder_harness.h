// Test harness for the SMTP Decoder: a minimal session that reacts to events like the real
// one (DATA -> start_data, BDAT -> start_bdat) and records every event as a string, so the
// same input can be fed whole, split at every byte boundary and one byte at a time
// (DESIGN §9) and the event lists compared.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "proto/smtp/smtp_codec.h"

namespace postamt::proto::smtp::testing {

struct Harness {
  explicit Harness(Limits l = {}, BareLineEndings m = BareLineEndings::reject) : limits(l), dec(l, m) {}

  void feed(std::string_view bytes) {
    dec.feed(bytes);
    pump();
  }

  void pump() {
    for (;;) {
      Event e = dec.next();
      if (std::holds_alternative<NeedMore>(e)) break;
      if (auto* line = std::get_if<Line>(&e)) {
        events.push_back("L:" + line->text);
        auto parsed = parse_command(line->text);
        if (auto* cmd = std::get_if<Command>(&parsed)) {
          if (cmd->verb == Verb::data) {
            dec.start_data();
          } else if (cmd->verb == Verb::bdat) {
            bdat_last = cmd->bdat_last;
            dec.start_bdat(cmd->bdat_size, so_far, cmd->bdat_last);
          }
        }
      } else if (std::holds_alternative<LineTooLong>(e)) {
        events.push_back("TOO_LONG");
      } else if (auto* c = std::get_if<ContentChunk>(&e)) {
        // Streamed pieces are joined with what the Done event carries, so a streaming
        // decoder must record exactly the same events as a non-streaming one.
        EXPECT_GT(limits.content_chunk, 0u) << "ContentChunk without content_chunk";
        streamed += c->bytes;
        ++chunks;
      } else if (auto* d = std::get_if<DataDone>(&e)) {
        std::string content = d->too_big ? std::string() : streamed + d->content;
        streamed.clear();
        events.push_back(std::string("DATA:") + (d->too_big ? "big:" : "ok:") + (d->bare_line_ending ? "bare:" : "clean:") +
                         content);
      } else if (auto* b = std::get_if<BdatDone>(&e)) {
        std::string chunk = b->too_big ? std::string() : streamed + b->chunk;
        streamed.clear();
        events.push_back(std::string("BDAT:") + (b->too_big ? "big:" : "ok:") + (b->bare_line_ending ? "bare:" : "clean:") +
                         chunk);
        so_far = bdat_last ? 0 : so_far + chunk.size();
      }
    }
    // After NeedMore nothing but a partial command line may stay buffered.
    max_buffered_after_pump = std::max(max_buffered_after_pump, dec.buffered());
  }

  Limits limits;
  Decoder dec;
  std::vector<std::string> events;
  uint64_t so_far = 0;
  bool bdat_last = false;
  std::string streamed;  // ContentChunk bytes not yet closed by DataDone/BdatDone
  size_t chunks = 0;
  size_t max_buffered_after_pump = 0;
};

// Runs `input` whole, in two feeds at every split point, and one byte at a time; expects
// identical events each way and returns them.
inline std::vector<std::string> run_all_splits(std::string_view input, Limits limits = {},
                                               BareLineEndings mode = BareLineEndings::reject) {
  Harness whole(limits, mode);
  whole.feed(input);
  EXPECT_LT(whole.max_buffered_after_pump, limits.max_command_line);
  for (size_t i = 1; i < input.size(); ++i) {
    Harness split(limits, mode);
    split.feed(input.substr(0, i));
    split.feed(input.substr(i));
    EXPECT_EQ(split.events, whole.events) << "split at " << i;
    EXPECT_LT(split.max_buffered_after_pump, limits.max_command_line);
  }
  Harness bytewise(limits, mode);
  for (char c : input) bytewise.feed(std::string_view(&c, 1));
  EXPECT_EQ(bytewise.events, whole.events) << "one byte at a time";
  return whole.events;
}

using Events = std::vector<std::string>;

}  // namespace postamt::proto::smtp::testing
