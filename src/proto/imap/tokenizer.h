// Push-based IMAP command reader (DESIGN §2): bytes in, events out. Joins the lines and
// literals of one command into one logical command, tells the session when a synchronizing
// literal needs a "+ " continuation, and refuses over-limit literals before reading them.
// Handles unauthenticated, hostile input: buffered memory stays bounded by the limits.
// RFC 9051 §2.2.1, §4.3 (literal), §7.5 (continuation request), §7.1 TOOBIG;
// RFC 7888 (LITERAL+ / LITERAL-); RFC 3516 §4.3 (literal8 "~{n}").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace postamt::proto::imap {

struct TokenizerLimits {
  // Bytes of command text outside literals, summed over all lines of one command, without
  // CRLFs. RFC 9051 §4 asks for at least 8000 octets; 64 KiB fits big UID sets.
  size_t max_line = 64 * 1024;
  // Largest literal accepted (APPEND size limit, APPENDLIMIT RFC 7889).
  uint64_t max_literal = 50u << 20;
  // Literals in one command (MULTIAPPEND, RFC 3502, sends several).
  size_t max_literals = 64;
  // RFC 7888 §5 LITERAL-: non-synchronizing literals larger than 4096 are refused.
  bool literal_minus = false;
};

// RFC 7888 §5.
inline constexpr uint64_t kLiteralMinusMax = 4096;

struct NeedMore {};

// A complete command, as on the wire minus the final line ending: every literal appears as
// "{n}" / "{n+}" / "~{n}" followed by CRLF and its n bytes (line endings before literals are
// always CRLF here, even if the client sent a bare LF). parse_command() reads this form.
struct Line {
  std::string text;
};

// The current line ended with a literal the tokenizer will accept. non_sync == false: the
// session must send "+ " (RFC 9051 §7.5) before the client sends the bytes; true: LITERAL+,
// nothing to send. The literal bytes then become part of the same Line.
struct NeedLiteral {
  uint64_t size = 0;
  bool non_sync = false;
};

enum class Overflow {
  line,           // max_line exceeded; the rest of the line is discarded
  literal,        // a literal above max_literal (or above 4096 non-sync with LITERAL-)
  literal_count,  // more than max_literals literals
};

// The command is abandoned; the session answers "tag BAD" (or "tag NO [TOOBIG]" for
// literal sizes, RFC 9051 §7.1) and goes on reading. A refused synchronizing literal is
// never read: the client gets no "+ ". A refused non-synchronizing literal is sent anyway,
// so its bytes and the rest of that command are read and dropped without buffering.
struct TooLong {
  Overflow what = Overflow::line;
  std::string tag;  // the command's tag if it looked like one, else empty
  uint64_t literal_size = 0;
  bool non_sync = false;
};

using TokenizerEvent = std::variant<NeedMore, Line, NeedLiteral, TooLong>;

class Tokenizer {
 public:
  explicit Tokenizer(TokenizerLimits limits = {});

  // Appends; the caller feeds at most one read (<= 64 KiB) at a time, then calls next()
  // until NeedMore.
  void feed(std::string_view bytes);
  TokenizerEvent next();

  // Takes effect from the next literal marker on (e.g. a larger literal limit after login).
  void set_max_literal(uint64_t max) { limits_.max_literal = max; }

  // After STARTTLS / COMPRESS: drop every byte received before the switch (DESIGN §7).
  void discard_buffered();

  // Input bytes held but not yet turned into events: at most max_line + one fed chunk.
  size_t buffered() const { return in_.size() - head_; }
  // The command being assembled (lines and literal bytes so far).
  size_t command_size() const { return cmd_.size(); }

 private:
  enum class State { line, literal, skip_line, skip_literal };

  TokenizerEvent on_line_end(std::string_view segment);
  TokenizerEvent refuse(Overflow what, uint64_t size, bool non_sync);
  void reset_command();
  void compact();

  TokenizerLimits limits_;
  State state_ = State::line;
  std::string in_;
  size_t head_ = 0;
  size_t scanned_ = 0;       // bytes after head_ known to hold no LF (state line)
  std::string cmd_;          // command assembled so far
  size_t text_bytes_ = 0;    // non-literal bytes in cmd_ (checked against max_line)
  size_t literals_ = 0;      // literals in this command
  uint64_t remaining_ = 0;   // literal bytes still to read or skip
  std::string skip_tail_;    // last bytes of a line being skipped (to spot a literal marker)
};

}  // namespace postamt::proto::imap
