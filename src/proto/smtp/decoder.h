// Push-based SMTP input decoder (DESIGN §2): bytes in, events out, in three modes: command
// lines, DATA content and BDAT chunks. Handles unauthenticated, hostile input: memory stays
// bounded in every mode and only <CR><LF>.<CR><LF> ends DATA (DESIGN §6, SMTP smuggling).
// RFC 5321 §2.3.8, §4.1.1.4, §4.5.2, §4.5.3.1.4; RFC 2920 (pipelining); RFC 3030 (BDAT).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace postamt::proto::smtp {

struct Limits {
  size_t max_command_line = 2048;         // bytes incl. CRLF (RFC 5321 §4.5.3.1.4 says 512; extensions need more)
  uint64_t max_message_size = 50u << 20;  // bytes of message content (after dot-unstuffing)
  // > 0: content is handed out in ContentChunk events of about this many bytes as it
  // arrives, so a session can spool it to disk with small buffers; DataDone.content and
  // BdatDone.chunk then hold only the rest. 0: everything in DataDone / BdatDone.
  size_t content_chunk = 0;
};

struct NeedMore {};
// A command line without CRLF (bare LF line endings tolerated for commands, like Postfix).
struct Line {
  std::string text;
};
// A command line exceeded max_command_line: its bytes are discarded up to and including the
// next LF; reported once per line.
struct LineTooLong {};
// After <CRLF>.<CRLF> in DATA mode (the decoder returns to command mode).
struct DataDone {
  std::string content;            // dot-unstuffed message with CRLF line endings; empty if too_big
  bool too_big = false;           // content exceeded max_message_size: discarded, terminator still awaited
  bool bare_line_ending = false;  // a bare CR or bare LF appeared in the content (set in both modes)
};
// Exactly bdat_size input bytes consumed (raw, no unstuffing).
struct BdatDone {
  std::string chunk;
  bool too_big = false;           // the message so far plus this chunk exceeds max_message_size; discarded
  bool bare_line_ending = false;  // a bare CR/LF in this chunk (a CR ending the previous chunk counts here)
};
// Part of the DATA content or of a BDAT chunk, in order (only with Limits::content_chunk).
// If the DataDone/BdatDone that follows says too_big, everything handed out is void.
struct ContentChunk {
  std::string bytes;
};
using Event = std::variant<NeedMore, Line, LineTooLong, DataDone, BdatDone, ContentChunk>;

// normalize: bare CR / bare LF become CRLF in DataDone.content and BDAT chunks;
// reject: keep them as they are but set bare_line_ending. Either way a line that began after
// a bare CR or LF never ends DATA and is never dot-unstuffed.
enum class BareLineEndings { reject, normalize };

class Decoder {
 public:
  explicit Decoder(Limits limits, BareLineEndings mode = BareLineEndings::reject);

  // Appends; the caller feeds at most one read (<= 64 KiB) at a time, then pulls events
  // until NeedMore.
  void feed(std::string_view bytes);
  Event next();

  // After replying 354. Bytes already buffered count as content.
  void start_data();
  // After parsing BDAT. message_bytes_so_far == 0 starts a new message. `last` (BDAT ... LAST)
  // lets a CR at the very end of the message count as bare; without it that one CR can only
  // be judged by the next chunk.
  void start_bdat(uint64_t size, uint64_t message_bytes_so_far, bool last = false);
  // After STARTTLS: drop every byte received before the handshake (DESIGN §7); back to
  // command mode.
  void discard_buffered();

  // Input bytes held: at most about max_command_line + one fed chunk, in every mode.
  size_t buffered() const { return in_.size() - head_; }
  // DATA content accepted so far, handed out or not (bounded by max_message_size).
  uint64_t content_size() const { return content_total_; }
  bool in_command_mode() const { return mode_ == Mode::command; }

 private:
  enum class Mode { command, data, bdat };
  // DATA scanner state: what the bytes just consumed (but maybe not yet emitted) were.
  enum class DataState {
    line_start,  // after a real CRLF (or right after 354)
    mid_line,
    cr,          // a CR whose meaning depends on the next byte
    dot,         // line_start then '.'
    dot_cr,      // line_start then ".\r"
  };

  Event next_command();
  Event next_data();
  Event next_bdat();
  // Hands out buffered content once it reaches Limits::content_chunk.
  bool chunk_ready(const std::string& buf) const {
    return limits_.content_chunk > 0 && !too_big_ && buf.size() >= limits_.content_chunk;
  }
  void append_content(std::string_view bytes);
  void bare_line_ending();  // records a bare CR or LF; in normalize mode emits CRLF
  void append_chunk(std::string_view bytes);
  void scan_bdat(std::string_view bytes);

  Limits limits_;
  BareLineEndings bare_mode_;
  Mode mode_ = Mode::command;

  std::string in_;   // unconsumed input is in_[head_, end)
  size_t head_ = 0;
  size_t scan_ = 0;  // command mode: no LF in in_[head_, scan_)
  bool discarding_ = false;  // command mode: dropping the rest of an over-long line

  DataState data_state_ = DataState::line_start;
  std::string content_;
  uint64_t content_total_ = 0;  // DATA content bytes so far, including chunks handed out
  bool too_big_ = false;
  bool bare_ = false;

  uint64_t bdat_remaining_ = 0;
  uint64_t bdat_so_far_ = 0;
  bool bdat_last_ = false;
  bool bdat_prev_cr_ = false;  // the last chunk byte scanned was CR (persists across chunks)
  std::string chunk_;
  uint64_t chunk_total_ = 0;  // bytes of this BDAT chunk so far, including pieces handed out
};

}  // namespace postamt::proto::smtp
