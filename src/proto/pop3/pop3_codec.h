// POP3 wire codec: command parsing, line splitting, reply formatting and the
// multi-line body encoders (dot-stuffing, TOP). Pure: no I/O, no clock, no storage.
// Handles untrusted input (everything a client sends before and after login).
// RFCs: 1939 (POP3), 2449 (CAPA, line limits), 3206 (response codes), 2595 (STLS),
// 5034 (AUTH).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace postamt::proto::pop3 {

// RFC 2449 §4 limits commands to 255 octets including CRLF; we accept up to 512 to be
// liberal. SASL continuation lines are longer: the session raises the limit for them.
struct Limits {
  size_t max_line = 512;
};

enum class Verb { user, pass, apop, stat, list, uidl, retr, top, dele, rset, noop, quit, capa, stls, auth, unknown };

struct Command {
  Verb verb = Verb::unknown;
  std::string verb_text;          // the keyword as sent (for logs and unknown-command replies)
  std::vector<std::string> args;  // PASS: args[0] is the rest of the line, spaces included
};

struct SyntaxError {
  std::string text;  // safe to send after "-ERR "
};

// Parses one command line (without its CRLF). Keywords are case-insensitive
// (RFC 1939 §3). An unrecognised keyword yields Command{Verb::unknown}; a known
// keyword with wrong arguments yields SyntaxError.
std::variant<Command, SyntaxError> parse_command(std::string_view line);

// A message number: positive decimal (RFC 1939 §5), nullopt otherwise.
std::optional<uint64_t> parse_msg_number(std::string_view s);

// Line splitter. Feed bytes, pull lines. Lines end in CRLF; a bare LF is tolerated.
// max_line counts the terminator. A longer line yields LineTooLong exactly once and
// its bytes are dropped up to the next LF, so endless input costs bounded memory.
struct NeedMore {};
struct Line {
  std::string text;  // without CRLF / LF
};
struct LineTooLong {};

class LineDecoder {
 public:
  explicit LineDecoder(size_t max_line);
  // Applies to lines not yet returned (the session raises it for AUTH continuations).
  void set_max_line(size_t max_line);
  void feed(std::string_view bytes);
  std::variant<NeedMore, Line, LineTooLong> next();
  // Drops everything buffered, e.g. after STLS (DESIGN §7, RFC 2595 §4).
  void discard_buffered();
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  void compact();

  std::string buf_;
  size_t pos_ = 0;              // first unread byte of buf_
  size_t tail_start_ = 0;       // start of the unterminated last line in buf_
  size_t scanned_ = 0;          // buf_ before this holds no unread LF
  uint64_t base_ = 0;           // bytes erased from the front of buf_ so far
  std::deque<uint64_t> overflow_at_;  // (base_-relative) starts of lines truncated in feed()
  size_t max_line_;
  bool discarding_ = false;     // dropping the rest of an over-long line
};

// "+OK text\r\n" (RFC 1939 §3). CR, LF and NUL in text become spaces.
std::string ok(std::string_view text);
// "-ERR [CODE] text\r\n" (RFC 2449 §8, RFC 3206); no brackets when resp_code is empty.
std::string err(std::string_view text, std::string_view resp_code = {});

// Multi-line body encoding (RFC 1939 §3): a '.' at the start of a line is doubled.
// Streaming: state is carried across chunks. Bare LF is sent as CRLF, and every LF
// starts a line, so clients that split on LF cannot be fooled into an early end.
class DotStuffer {
 public:
  std::string encode(std::string_view chunk);
  // The terminator ".\r\n", preceded by CRLF if the data did not end with one.
  // Resets the state, so the object can encode the next response.
  std::string finish();

 private:
  bool line_start_ = true;
  bool prev_cr_ = false;
};

// TOP msg n (RFC 1939 §7): passes the header, the blank line and the first n body
// lines (LF-terminated, so CRLF and LF-only messages both work), then stops.
// The output goes through DotStuffer like any other multi-line body.
class TopFilter {
 public:
  explicit TopFilter(uint64_t body_lines);
  std::string feed(std::string_view chunk);
  bool done() const { return done_; }

 private:
  uint64_t body_lines_;
  uint64_t seen_ = 0;
  bool in_header_ = true;
  bool done_ = false;
  size_t line_len_ = 0;     // bytes of the current line so far, LF excluded
  bool line_only_cr_ = false;  // the current line so far is exactly "\r"
};

}  // namespace postamt::proto::pop3
