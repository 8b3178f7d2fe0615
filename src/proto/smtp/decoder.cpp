// Decoder: command-line framing, BDAT chunk framing and mode switching. The DATA scanner
// lives in data_scanner.cpp. Handles unauthenticated input; memory stays bounded by
// max_command_line plus one fed chunk, whatever the client sends.
// RFC 5321 §2.3.8 (lines), §4.5.3.1.4 (command line length); RFC 3030 (BDAT).
#include <algorithm>
#include <cstring>

#include "proto/smtp/decoder.h"

namespace postamt::proto::smtp {

Decoder::Decoder(Limits limits, BareLineEndings mode) : limits_(limits), bare_mode_(mode) {}

void Decoder::feed(std::string_view bytes) {
  // Compacting here keeps the buffer at (unconsumed tail + this chunk); the tail is at most
  // one partial command line once the caller has pulled until NeedMore.
  if (head_ > 0) {
    in_.erase(0, head_);
    scan_ -= std::min(scan_, head_);
    head_ = 0;
  }
  in_.append(bytes);
}

Event Decoder::next() {
  switch (mode_) {
    case Mode::command:
      return next_command();
    case Mode::data:
      return next_data();
    case Mode::bdat:
      return next_bdat();
  }
  return NeedMore{};
}

Event Decoder::next_command() {
  for (;;) {
    scan_ = std::max(scan_, head_);
    const void* lf = scan_ < in_.size() ? std::memchr(in_.data() + scan_, '\n', in_.size() - scan_) : nullptr;
    if (lf == nullptr) {
      scan_ = in_.size();
      size_t pending = in_.size() - head_;
      if (discarding_) {
        head_ = in_.size();
        return NeedMore{};
      }
      // Without an LF yet, the finished line will be at least pending + 1 bytes long.
      if (pending > 0 && pending >= limits_.max_command_line) {
        discarding_ = true;
        head_ = in_.size();
        return LineTooLong{};
      }
      return NeedMore{};
    }
    size_t lf_pos = static_cast<size_t>(static_cast<const char*>(lf) - in_.data());
    size_t line_bytes = lf_pos - head_ + 1;
    std::string_view text(in_.data() + head_, lf_pos - head_);
    head_ = scan_ = lf_pos + 1;
    if (discarding_) {
      // The tail of a line already reported as too long.
      discarding_ = false;
      continue;
    }
    if (line_bytes > limits_.max_command_line) return LineTooLong{};
    // Bare LF is tolerated as a command line ending (like Postfix); CR LF is the norm.
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return Line{std::string(text)};
  }
}

void Decoder::start_data() {
  mode_ = Mode::data;
  discarding_ = false;
  data_state_ = DataState::line_start;  // the CRLF ending the DATA command counts (§4.1.1.4)
  content_.clear();
  content_total_ = 0;
  too_big_ = false;
  bare_ = false;
}

void Decoder::start_bdat(uint64_t size, uint64_t message_bytes_so_far, bool last) {
  mode_ = Mode::bdat;
  discarding_ = false;
  if (message_bytes_so_far == 0) bdat_prev_cr_ = false;  // a new message
  bdat_remaining_ = size;
  bdat_so_far_ = message_bytes_so_far;
  bdat_last_ = last;
  chunk_.clear();
  chunk_total_ = 0;
  bare_ = false;
  // Decided up front so an oversized chunk is never stored, only counted down.
  too_big_ = size > limits_.max_message_size || message_bytes_so_far > limits_.max_message_size - size;
}

void Decoder::discard_buffered() {
  // DESIGN §7: nothing received before the TLS handshake may be interpreted after it.
  in_.clear();
  head_ = scan_ = 0;
  discarding_ = false;
  mode_ = Mode::command;
  content_.clear();
  chunk_.clear();
  bdat_remaining_ = 0;
  bdat_prev_cr_ = false;
}

void Decoder::append_chunk(std::string_view bytes) {
  if (too_big_) return;
  if (chunk_total_ + bytes.size() > limits_.max_message_size - bdat_so_far_) {
    too_big_ = true;
    std::string().swap(chunk_);
    return;
  }
  chunk_total_ += bytes.size();
  chunk_.append(bytes);
}

// BDAT content is raw (RFC 3030 §2: no dot-stuffing, "\r\n.\r\n" means nothing), but bare
// line endings are still detected or normalized (DESIGN §6). A CRLF may straddle chunks, so
// the CR state carries over.
void Decoder::scan_bdat(std::string_view bytes) {
  const bool normalize = bare_mode_ == BareLineEndings::normalize;
  size_t run = 0;  // start of bytes not yet appended
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\r' && c != '\n') {
      if (bdat_prev_cr_) bare_ = true;  // the CR before was bare
      bdat_prev_cr_ = false;
      continue;
    }
    if (c == '\n') {
      if (!bdat_prev_cr_) {
        bare_ = true;
        if (normalize) {
          append_chunk(bytes.substr(run, i - run));
          append_chunk("\r\n");
          run = i + 1;
        }
      } else if (normalize) {
        // In normalize mode the CR was already written as CRLF.
        append_chunk(bytes.substr(run, i - run));
        run = i + 1;
      }
      bdat_prev_cr_ = false;
      continue;
    }
    // c == '\r'
    if (bdat_prev_cr_) bare_ = true;
    bdat_prev_cr_ = true;
    if (normalize) {
      append_chunk(bytes.substr(run, i - run));
      append_chunk("\r\n");
      run = i + 1;
    }
  }
  append_chunk(bytes.substr(run));
}

Event Decoder::next_bdat() {
  size_t avail = in_.size() - head_;
  size_t take = static_cast<size_t>(std::min<uint64_t>(avail, bdat_remaining_));
  scan_bdat(std::string_view(in_.data() + head_, take));
  head_ += take;
  bdat_remaining_ -= take;
  if (bdat_remaining_ > 0) {
    if (chunk_ready(chunk_)) {
      ContentChunk out{std::move(chunk_)};
      chunk_.clear();
      return out;
    }
    return NeedMore{};
  }
  if (bdat_last_ && bdat_prev_cr_) {
    bare_ = true;  // the message ends in a CR with no LF
    bdat_prev_cr_ = false;
  }
  mode_ = Mode::command;
  scan_ = head_;
  BdatDone done;
  done.too_big = too_big_;
  done.bare_line_ending = bare_;
  if (!too_big_) done.chunk = std::move(chunk_);
  chunk_.clear();
  return done;
}

}  // namespace postamt::proto::smtp
