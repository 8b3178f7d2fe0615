// libFuzzer target for the IMAP groundwork codecs (untrusted input): the command
// tokenizer (whole input vs. chunked feeds must give the same events, buffers stay
// bounded), the command parser on every complete line, sequence sets and modified
// UTF-7 (decode/encode round trip).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/command_parser.h"
#include "proto/imap/mutf7.h"
#include "proto/imap/sequence_set.h"
#include "proto/imap/tokenizer.h"

namespace imap = postamt::proto::imap;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::string> run(std::string_view input, size_t step) {
  imap::TokenizerLimits limits;
  limits.max_line = 512;
  limits.max_literal = 256;
  limits.max_literals = 4;
  imap::Tokenizer tok(limits);
  std::vector<std::string> events;
  for (size_t pos = 0; pos < input.size(); pos += step) {
    tok.feed(input.substr(pos, step));
    for (;;) {
      auto ev = tok.next();
      if (std::holds_alternative<imap::NeedMore>(ev)) break;
      if (auto* line = std::get_if<imap::Line>(&ev)) {
        events.push_back("L" + line->text);
        (void)imap::parse_command(line->text);
      } else if (auto* lit = std::get_if<imap::NeedLiteral>(&ev)) {
        events.push_back("N" + std::to_string(lit->size) + (lit->non_sync ? "+" : ""));
      } else if (auto* tl = std::get_if<imap::TooLong>(&ev)) {
        events.push_back("T" + std::to_string(static_cast<int>(tl->what)));
      }
    }
    check(tok.buffered() <= limits.max_line + limits.max_literal + step + 64);
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t step = 1 + data[0] % 17;
  auto whole = run(input, input.size() ? input.size() : 1);
  check(run(input, step) == whole);

  auto set = imap::SequenceSet::parse(input.substr(0, 256));
  if (set.ok() && !set->is_saved_result()) {
    auto again = imap::SequenceSet::parse(set->to_string());
    check(again.ok());
    // Canonical formatting keeps the meaning.
    check(imap::format_ranges(again->resolve(1000)) == imap::format_ranges(set->resolve(1000)));
  }
  auto decoded = imap::mutf7_to_utf8(input.substr(0, 256));
  if (decoded) check(imap::utf8_to_mutf7(*decoded) == input.substr(0, 256));
  return 0;
}
