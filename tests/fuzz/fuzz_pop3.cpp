// libFuzzer target for the POP3 codec: LineDecoder + parse_command, DotStuffer and
// TopFilter, each fed whole and in fuzz-chosen chunks, with invariants checked.
// Handles untrusted input by construction (the fuzzer is the hostile client/sender).
// RFCs exercised: 1939 §3 (lines, byte-stuffing), §7 (TOP), 2449 §4 (line limits).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/pop3/pop3_codec.h"

using namespace postamt::proto::pop3;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Chunk boundaries derived from the input, so the fuzzer controls them.
std::vector<std::string_view> chunks(std::string_view data, uint8_t seed) {
  std::vector<std::string_view> out;
  uint32_t x = seed | 1u;
  while (!data.empty()) {
    x = x * 1103515245u + 12345u;
    size_t n = 1 + (x >> 16) % 17;
    if (n > data.size()) n = data.size();
    out.push_back(data.substr(0, n));
    data.remove_prefix(n);
  }
  return out;
}

std::vector<std::string> decode(std::string_view data, size_t max_line, bool split, uint8_t seed) {
  LineDecoder d(max_line);
  std::vector<std::string> events;
  std::vector<std::string_view> parts = split ? chunks(data, seed) : std::vector<std::string_view>{data};
  for (auto part : parts) {
    d.feed(part);
    check(d.buffered() <= max_line + part.size() + 1 + (split ? 0 : data.size()));
    while (true) {
      auto r = d.next();
      if (std::holds_alternative<NeedMore>(r)) break;
      if (auto* l = std::get_if<Line>(&r)) {
        check(l->text.size() < max_line);
        check(l->text.find('\n') == std::string::npos);
        auto cmd = parse_command(l->text);
        if (auto* c = std::get_if<Command>(&cmd)) {
          check(c->args.size() <= 2);
          if (c->verb == Verb::retr || c->verb == Verb::dele) check(parse_msg_number(c->args.at(0)).has_value());
          if (c->verb == Verb::pass) check(c->args.size() == 1 && !c->args[0].empty());
        }
        events.push_back("L" + l->text);
      } else {
        events.push_back("T");
      }
    }
  }
  return events;
}

// Reference: what the client must reconstruct from the stuffed body.
std::string normalize(std::string_view in) {
  std::string out;
  bool prev_cr = false;
  for (char c : in) {
    if (c == '\n' && !prev_cr) out.push_back('\r');
    out.push_back(c);
    prev_cr = c == '\r';
  }
  if (!out.empty() && out.back() != '\n') out += prev_cr ? "\n" : "\r\n";
  return out;
}

// A client's view: split on CRLF, un-stuff, stop at ".".
std::string unstuff(std::string_view wire) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t e = wire.find("\r\n", pos);
    check(e != std::string_view::npos);
    std::string_view line = wire.substr(pos, e - pos);
    pos = e + 2;
    if (line == ".") {
      check(pos == wire.size());  // the terminator is the very end
      return out;
    }
    if (!line.empty() && line[0] == '.') line.remove_prefix(1);
    out.append(line);
    out += "\r\n";
  }
}

std::string stuff(std::string_view data, bool split, uint8_t seed) {
  DotStuffer s;
  std::string out;
  for (auto part : split ? chunks(data, seed) : std::vector<std::string_view>{data}) out += s.encode(part);
  return out + s.finish();
}

std::string top(std::string_view data, uint64_t n, bool split, uint8_t seed, bool& done) {
  TopFilter f(n);
  std::string out;
  for (auto part : split ? chunks(data, seed) : std::vector<std::string_view>{data}) out += f.feed(part);
  done = f.done();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 2) return 0;
  const size_t max_line = 1 + bytes[0] % 64;
  const uint8_t seed = bytes[1];
  std::string_view data(reinterpret_cast<const char*>(bytes) + 2, size - 2);

  check(decode(data, max_line, false, seed) == decode(data, max_line, true, seed));
  check(decode(data, 512, false, seed) == decode(data, 512, true, seed));

  std::string wire = stuff(data, false, seed);
  check(wire == stuff(data, true, seed));
  for (size_t i = 0; i < wire.size(); ++i)
    if (wire[i] == '\n') check(i > 0 && wire[i - 1] == '\r');  // no bare LF reaches the client
  check(unstuff(wire) == normalize(data));

  const uint64_t n = bytes[0] % 5;
  bool done_whole = false, done_split = false;
  std::string t = top(data, n, false, seed, done_whole);
  check(t == top(data, n, true, seed, done_split));
  check(done_whole == done_split);
  check(data.substr(0, t.size()) == t);
  if (done_whole) check(!t.empty() && t.back() == '\n');
  return 0;
}
