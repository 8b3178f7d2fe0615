// libFuzzer target for the SMTP codec (DESIGN §9): drives Decoder through command, DATA and
// BDAT modes like a session would, parses every line, and checks invariants (memory bounds,
// size limit, no bare line endings after normalizing, identical events however the input is
// split, and agreement with a naive reference model of DATA/BDAT framing in reject mode).
// Any violation aborts. Input: byte 0 = flags (mode, limits), byte 1 = split seed,
// then the client's bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/smtp/smtp_codec.h"

namespace smtp = postamt::proto::smtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool has_bare_line_ending(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return true;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

void check_reply(std::string_view r) {
  check(r.size() >= 5 && r.substr(r.size() - 2) == "\r\n");
  size_t start = 0;
  while (start < r.size()) {
    size_t end = r.find("\r\n", start);
    check(end != std::string_view::npos && end - start + 2 <= 512);
    std::string_view line = r.substr(start, end - start);
    for (char c : line) check(c != '\r' && c != '\n');
    start = end + 2;
  }
}

void check_command(std::string_view line) {
  auto parsed = smtp::parse_command(line);
  if (auto* e = std::get_if<smtp::SyntaxError>(&parsed)) {
    check(e->code == 500 || e->code == 501);
    check_reply(smtp::format_reply(e->code, e->enhanced, e->text));
  } else {
    const auto& cmd = std::get<smtp::Command>(parsed);
    if (cmd.verb == smtp::Verb::mail || cmd.verb == smtp::Verb::rcpt) {
      bool postmaster = cmd.verb == smtp::Verb::rcpt && cmd.path.size() == 10;
      if (!cmd.path.empty() && !postmaster) check(smtp::parse_mailbox(cmd.path).has_value());
      check(!cmd.path.empty() || cmd.verb == smtp::Verb::mail);
      bool utf8 = false;
      for (char c : cmd.path) utf8 |= static_cast<unsigned char>(c) >= 0x80;
      check(utf8 == cmd.path_utf8);
      for (const auto& p : cmd.params) {
        check(!p.keyword.empty());
        for (char c : p.keyword) check(!(c >= 'a' && c <= 'z'));
        check(p.has_value || p.value.empty());
      }
    }
    check(cmd.bdat_size <= (uint64_t{1} << 63));
    if (cmd.auth_initial) check(!cmd.auth_initial->empty());
  }
  // Echoing the line in a reply must stay a well-formed reply.
  check_reply(smtp::format_reply(250, "2.0.0", line));
  if (auto x = smtp::xtext_decode(line)) check(smtp::xtext_decode(smtp::xtext_encode(*x)) == *x);
}

struct Run {
  smtp::Limits limits;
  smtp::BareLineEndings mode;
  bool discard_on_starttls;
  smtp::Decoder dec{limits, mode};
  std::vector<std::string> events;
  std::string streamed;  // ContentChunk bytes not yet closed by DataDone/BdatDone
  uint64_t so_far = 0;
  bool bdat_last = false;

  Run(smtp::Limits l, smtp::BareLineEndings m, bool discard) : limits(l), mode(m), discard_on_starttls(discard) {}

  void feed(std::string_view bytes) {
    dec.feed(bytes);
    check(dec.buffered() <= limits.max_command_line + bytes.size());
    for (;;) {
      smtp::Event e = dec.next();
      check(dec.content_size() <= limits.max_message_size);
      if (std::holds_alternative<smtp::NeedMore>(e)) break;
      if (auto* line = std::get_if<smtp::Line>(&e)) {
        check(line->text.size() < limits.max_command_line);
        check(line->text.find('\n') == std::string::npos);
        events.push_back("L" + line->text);
        check_command(line->text);
        auto parsed = smtp::parse_command(line->text);
        if (auto* cmd = std::get_if<smtp::Command>(&parsed)) {
          if (cmd->verb == smtp::Verb::data) {
            dec.start_data();
          } else if (cmd->verb == smtp::Verb::bdat) {
            bdat_last = cmd->bdat_last;
            dec.start_bdat(cmd->bdat_size, so_far, cmd->bdat_last);
          } else if (cmd->verb == smtp::Verb::starttls && discard_on_starttls) {
            dec.discard_buffered();
            check(dec.buffered() == 0 && dec.in_command_mode());
          } else if (cmd->verb == smtp::Verb::rset || cmd->verb == smtp::Verb::mail) {
            so_far = 0;
          }
        }
      } else if (std::holds_alternative<smtp::LineTooLong>(e)) {
        events.push_back("T");
      } else if (auto* piece = std::get_if<smtp::ContentChunk>(&e)) {
        check(limits.content_chunk > 0 && !piece->bytes.empty());
        streamed += piece->bytes;
        check(streamed.size() <= limits.max_message_size);
      } else if (auto* d = std::get_if<smtp::DataDone>(&e)) {
        // Streamed pieces join with the rest: the same events as without streaming.
        std::string content = d->too_big ? std::string() : streamed + d->content;
        streamed.clear();
        check(dec.in_command_mode());
        check(content.size() <= limits.max_message_size);
        if (d->too_big) check(d->content.empty());
        // Content ends at a real CRLF (the one before the terminator) or is empty.
        check(content.empty() || content.substr(content.size() - 2) == "\r\n");
        if (mode == smtp::BareLineEndings::normalize || !d->bare_line_ending) check(!has_bare_line_ending(content));
        events.push_back(std::string("D") + (d->too_big ? "1" : "0") + (d->bare_line_ending ? "1" : "0") + content);
      } else if (auto* b = std::get_if<smtp::BdatDone>(&e)) {
        std::string chunk = b->too_big ? std::string() : streamed + b->chunk;
        streamed.clear();
        check(dec.in_command_mode());
        check(chunk.size() <= limits.max_message_size);
        if (b->too_big) check(b->chunk.empty());
        if (!b->too_big) check(so_far + chunk.size() <= limits.max_message_size);
        events.push_back(std::string("B") + (b->too_big ? "1" : "0") + (b->bare_line_ending ? "1" : "0") + chunk);
        so_far = bdat_last ? 0 : so_far + chunk.size();
      }
    }
    check(dec.buffered() < limits.max_command_line);
  }
};

// An independent, deliberately naive model of the decoder in reject mode (no discarding):
// DATA content is cut into lines at real CRLFs only; the first line that is exactly "."
// ends it; other lines starting with '.' lose it (RFC 5321 §4.5.2). BDAT bare flags are not
// modelled ('?').
std::vector<std::string> reference_events(std::string_view in, const smtp::Limits& limits) {
  std::vector<std::string> out;
  size_t pos = 0;
  uint64_t so_far = 0;
  while (pos < in.size()) {
    size_t lf = in.find('\n', pos);
    if (lf == std::string_view::npos) {
      if (in.size() - pos >= limits.max_command_line) out.push_back("T");
      break;
    }
    std::string_view line = in.substr(pos, lf - pos);
    pos = lf + 1;
    if (line.size() + 1 > limits.max_command_line) {
      out.push_back("T");
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back("L" + std::string(line));
    auto parsed = smtp::parse_command(line);
    auto* cmd = std::get_if<smtp::Command>(&parsed);
    if (cmd == nullptr) continue;
    if (cmd->verb == smtp::Verb::rset || cmd->verb == smtp::Verb::mail) so_far = 0;
    if (cmd->verb == smtp::Verb::data) {
      std::string content;
      bool bare = false;
      bool done = false;
      size_t p = pos;
      while (true) {
        size_t crlf = in.find("\r\n", p);
        if (crlf == std::string_view::npos) break;
        std::string_view l = in.substr(p, crlf - p);
        p = crlf + 2;
        if (l == ".") {
          done = true;
          break;
        }
        if (!l.empty() && l[0] == '.') l.remove_prefix(1);
        if (l.find_first_of("\r\n") != std::string_view::npos) bare = true;
        content.append(l);
        content.append("\r\n");
      }
      if (!done) return out;
      pos = p;
      bool big = content.size() > limits.max_message_size;
      out.push_back(std::string("D") + (big ? "1" : "0") + (bare ? "1" : "0") + (big ? "" : content));
    } else if (cmd->verb == smtp::Verb::bdat) {
      if (in.size() - pos < cmd->bdat_size) return out;
      std::string_view chunk = in.substr(pos, cmd->bdat_size);
      pos += cmd->bdat_size;
      bool big = cmd->bdat_size > limits.max_message_size || so_far > limits.max_message_size - cmd->bdat_size;
      out.push_back(std::string("B") + (big ? "1" : "0") + "?" + (big ? "" : std::string(chunk)));
      so_far = cmd->bdat_last ? 0 : so_far + (big ? 0 : chunk.size());
    }
  }
  return out;
}

bool same_as_reference(const std::vector<std::string>& got, std::vector<std::string> want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (want[i][0] == 'B' && got[i].size() >= 3) want[i][2] = got[i][2];
    if (got[i] != want[i]) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const uint8_t seed = data[1];
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  smtp::Limits limits;
  limits.max_command_line = 16 + static_cast<size_t>(flags >> 4) * 40;  // 16..616
  limits.max_message_size = (flags & 0x08) ? 48 : ((flags & 0x04) ? 1024 : 1u << 20);
  const auto mode = (flags & 0x01) ? smtp::BareLineEndings::normalize : smtp::BareLineEndings::reject;

  Run whole(limits, mode, false);
  whole.feed(input);

  // Chunk sizes from the seed, varying per chunk so CR, LF and '.' land on every boundary.
  Run chunked(limits, mode, false);
  size_t pos = 0;
  uint32_t state = seed | 1u;
  while (pos < input.size()) {
    state = state * 1103515245u + 12345u;
    size_t n = 1 + (state >> 16) % (static_cast<size_t>(seed % 64) + 1);
    n = std::min(n, input.size() - pos);
    chunked.feed(input.substr(pos, n));
    pos += n;
  }
  check(chunked.events == whole.events);

  // The same input with content streamed in small pieces (SMTP spooling).
  smtp::Limits streaming = limits;
  streaming.content_chunk = 1 + seed % 32;
  Run streamed_run(streaming, mode, false);
  streamed_run.feed(input);
  check(streamed_run.events == whole.events);
  if (mode == smtp::BareLineEndings::reject) check(same_as_reference(whole.events, reference_events(input, limits)));

  if (input.size() <= 1024) {
    Run bytewise(limits, mode, false);
    for (char c : input) bytewise.feed(std::string_view(&c, 1));
    check(bytewise.events == whole.events);
  }

  if (flags & 0x02) {
    // STARTTLS discarding depends on what happened to be buffered: invariants only.
    Run tls(limits, mode, true);
    for (size_t i = 0; i < input.size(); i += 7) tls.feed(input.substr(i, 7));
  }
  return 0;
}
