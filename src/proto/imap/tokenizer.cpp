// IMAP command reader: lines plus literals into one logical command. Handles
// unauthenticated input; every buffer is bounded by TokenizerLimits.
// RFC 9051 §4.3, §7.5; RFC 7888.
#include "proto/imap/tokenizer.h"

#include <algorithm>
#include <optional>

namespace postamt::proto::imap {
namespace {

constexpr size_t kTailKeep = 32;  // enough for "~{" + 20 digits + "+}"
constexpr size_t kMaxTag = 64;

struct Marker {
  uint64_t size = 0;  // saturates at UINT64_MAX
  bool non_sync = false;
};

// RFC 9051 §9: literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{" number64 "}" CRLF.
// The marker must end the line.
std::optional<Marker> literal_marker(std::string_view line) {
  if (line.size() < 3 || line.back() != '}') return std::nullopt;
  size_t end = line.size() - 1;
  Marker m;
  if (line[end - 1] == '+') {
    m.non_sync = true;
    --end;
  }
  size_t open = line.rfind('{', end);
  if (open == std::string_view::npos || open + 1 >= end) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = open + 1; i < end; ++i) {
    char c = line[i];
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  m.size = v;
  return m;
}

// RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">.
bool is_tag_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case '+':
      return false;
    default:
      return true;
  }
}

std::string extract_tag(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && n <= kMaxTag && is_tag_char(static_cast<unsigned char>(text[n]))) ++n;
  if (n == 0 || n > kMaxTag) return {};
  if (n < text.size() && text[n] != ' ') return {};
  return std::string(text.substr(0, n));
}

}  // namespace

Tokenizer::Tokenizer(TokenizerLimits limits) : limits_(limits) {}

void Tokenizer::feed(std::string_view bytes) {
  compact();
  in_.append(bytes);
}

void Tokenizer::compact() {
  if (head_ == 0) return;
  in_.erase(0, head_);
  head_ = 0;
}

void Tokenizer::discard_buffered() {
  in_.clear();
  head_ = 0;
  scanned_ = 0;
  state_ = State::line;
  remaining_ = 0;
  skip_tail_.clear();
  reset_command();
}

void Tokenizer::reset_command() {
  cmd_.clear();
  text_bytes_ = 0;
  literals_ = 0;
}

TokenizerEvent Tokenizer::next() {
  for (;;) {
    std::string_view avail(in_.data() + head_, in_.size() - head_);
    switch (state_) {
      case State::line: {
        // Resume the LF search where the last call stopped: a line trickling in one byte
        // per read costs linear, not quadratic, time.
        size_t lf = avail.find('\n', scanned_);
        if (lf == std::string_view::npos) {
          scanned_ = avail.size();
          // A trailing CR may be the start of CRLF and does not count yet.
          size_t pending = avail.size() - (avail.ends_with('\r') ? 1 : 0);
          if (text_bytes_ + pending > limits_.max_line) {
            std::string tag = extract_tag(cmd_.empty() ? avail : std::string_view(cmd_));
            skip_tail_.assign(avail.substr(avail.size() - std::min(avail.size(), kTailKeep)));
            head_ = in_.size();
            scanned_ = 0;
            reset_command();
            state_ = State::skip_line;
            return TooLong{Overflow::line, std::move(tag), 0, false};
          }
          return NeedMore{};
        }
        std::string_view segment = avail.substr(0, lf);
        head_ += lf + 1;
        scanned_ = 0;
        // Bare LF is tolerated as a line end, like CRLF (RFC 9051 §2.2 wants CRLF).
        if (!segment.empty() && segment.back() == '\r') segment.remove_suffix(1);
        if (text_bytes_ + segment.size() > limits_.max_line) {
          std::string tag = extract_tag(cmd_.empty() ? segment : std::string_view(cmd_));
          reset_command();
          // The line is over; a non-sync literal at its end is still coming and is skipped.
          if (auto m = literal_marker(segment); m && m->non_sync) {
            remaining_ = m->size;
            state_ = State::skip_literal;
          }
          return TooLong{Overflow::line, std::move(tag), 0, false};
        }
        return on_line_end(segment);
      }
      case State::literal: {
        if (remaining_ == 0) {
          state_ = State::line;
          continue;
        }
        if (avail.empty()) return NeedMore{};
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, avail.size()));
        cmd_.append(avail.substr(0, take));
        head_ += take;
        remaining_ -= take;
        continue;
      }
      case State::skip_literal: {
        if (remaining_ == 0) {
          // RFC 7888 §4: the rest of the refused command follows the literal; drop it too.
          state_ = State::skip_line;
          skip_tail_.clear();
          continue;
        }
        if (avail.empty()) return NeedMore{};
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, avail.size()));
        head_ += take;
        remaining_ -= take;
        continue;
      }
      case State::skip_line: {
        size_t lf = avail.find('\n');
        std::string_view part = avail.substr(0, lf == std::string_view::npos ? avail.size() : lf);
        skip_tail_.append(part);
        if (skip_tail_.size() > kTailKeep) skip_tail_.erase(0, skip_tail_.size() - kTailKeep);
        if (lf == std::string_view::npos) {
          head_ = in_.size();
          return NeedMore{};
        }
        head_ += lf + 1;
        std::string_view tail(skip_tail_);
        if (!tail.empty() && tail.back() == '\r') tail.remove_suffix(1);
        auto m = literal_marker(tail);
        skip_tail_.clear();
        if (m && m->non_sync) {
          remaining_ = m->size;
          state_ = State::skip_literal;
        } else {
          // A synchronizing literal is never sent: the client saw our tagged reply, not "+ ".
          state_ = State::line;
        }
        continue;
      }
    }
  }
}

TokenizerEvent Tokenizer::on_line_end(std::string_view segment) {
  auto m = literal_marker(segment);
  if (!m) {
    cmd_.append(segment);
    Line line{std::move(cmd_)};
    reset_command();
    return line;
  }
  if (literals_ + 1 > limits_.max_literals) {
    cmd_.append(segment);
    return refuse(Overflow::literal_count, m->size, m->non_sync);
  }
  // RFC 7888 §5: with LITERAL- a non-synchronizing literal is at most 4096 octets.
  if (m->size > limits_.max_literal || (m->non_sync && limits_.literal_minus && m->size > kLiteralMinusMax)) {
    cmd_.append(segment);
    return refuse(Overflow::literal, m->size, m->non_sync);
  }
  cmd_.append(segment);
  cmd_.append("\r\n");
  text_bytes_ += segment.size();
  ++literals_;
  remaining_ = m->size;
  state_ = State::literal;
  return NeedLiteral{m->size, m->non_sync};
}

TokenizerEvent Tokenizer::refuse(Overflow what, uint64_t size, bool non_sync) {
  std::string tag = extract_tag(cmd_);
  reset_command();
  if (non_sync) {
    remaining_ = size;
    state_ = State::skip_literal;
  } else {
    state_ = State::line;
  }
  return TooLong{what, std::move(tag), size, non_sync};
}

}  // namespace postamt::proto::imap
