// POP3 line splitter: turns a byte stream into command lines with a hard length bound.
// Handles untrusted input: memory stays bounded by max_line plus one fed chunk, no
// matter how long a client sends without a line end.
// RFCs: 1939 §3 (CRLF lines), 2449 §4 (line length limit).
#include <algorithm>

#include "proto/pop3/pop3_codec.h"

namespace postamt::proto::pop3 {

LineDecoder::LineDecoder(size_t max_line) : max_line_(std::max<size_t>(max_line, 1)) {}

void LineDecoder::set_max_line(size_t max_line) { max_line_ = std::max<size_t>(max_line, 1); }

void LineDecoder::feed(std::string_view bytes) {
  if (discarding_) {
    size_t lf = bytes.find('\n');
    if (lf == std::string_view::npos) return;
    // The over-long line was already reported and terminated in buf_; drop its LF too.
    bytes.remove_prefix(lf + 1);
    discarding_ = false;
  }
  size_t old_size = buf_.size();
  buf_.append(bytes);
  size_t last_lf = bytes.rfind('\n');
  if (last_lf != std::string_view::npos) tail_start_ = old_size + last_lf + 1;

  // An unterminated line of max_line bytes can only grow past the limit: report it
  // now and keep only a placeholder line end, so endless input is not stored.
  if (buf_.size() - tail_start_ >= max_line_) {
    overflow_at_.push_back(base_ + tail_start_);
    buf_.resize(tail_start_);
    buf_.push_back('\n');
    scanned_ = std::min(scanned_, tail_start_);
    tail_start_ = buf_.size();
    discarding_ = true;
  }
}

std::variant<NeedMore, Line, LineTooLong> LineDecoder::next() {
  if (!overflow_at_.empty() && overflow_at_.front() == base_ + pos_) {
    overflow_at_.pop_front();
    ++pos_;  // the placeholder LF
    compact();
    return LineTooLong{};
  }
  // Resume the LF search where the last one stopped: a line dribbled in byte by
  // byte must not be rescanned from its start each time.
  size_t lf = buf_.find('\n', std::max(pos_, scanned_));
  if (lf == std::string::npos) {
    scanned_ = buf_.size();
    return NeedMore{};
  }
  size_t len = lf + 1 - pos_;  // including the terminator, as RFC 2449 §4 counts
  size_t start = pos_;
  pos_ = lf + 1;
  if (len > max_line_) {
    compact();
    return LineTooLong{};
  }
  size_t end = lf;
  if (end > start && buf_[end - 1] == '\r') --end;  // CRLF; a bare LF is tolerated
  Line line{buf_.substr(start, end - start)};
  compact();
  return line;
}

void LineDecoder::discard_buffered() {
  base_ += buf_.size();
  buf_.clear();
  pos_ = 0;
  tail_start_ = 0;
  scanned_ = 0;
  overflow_at_.clear();
  discarding_ = false;
}

void LineDecoder::compact() {
  if (pos_ == buf_.size()) {
    base_ += buf_.size();
    buf_.clear();
    pos_ = 0;
    tail_start_ = 0;
    scanned_ = 0;
  } else if (pos_ >= 4096 && pos_ * 2 >= buf_.size()) {
    base_ += pos_;
    buf_.erase(0, pos_);
    tail_start_ -= pos_;
    scanned_ = scanned_ > pos_ ? scanned_ - pos_ : 0;
    pos_ = 0;
  }
}

}  // namespace postamt::proto::pop3
