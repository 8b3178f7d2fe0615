// DATA content scanner: finds the end-of-data indicator, undoes dot-stuffing and tracks
// bare line endings. Security critical (DESIGN §6 "SMTP smuggling"): only <CR><LF>.<CR><LF>
// ends DATA, where the first CRLF is a real one (or the DATA command's own CRLF). Handles
// unauthenticated input; one pass over each byte, state carried across feeds.
// RFC 5321 §4.1.1.4 (DATA), §4.5.2 (transparency), §2.3.8 (CR and LF only as CRLF).
#include "proto/smtp/decoder.h"

namespace postamt::proto::smtp {

void Decoder::append_content(std::string_view bytes) {
  if (too_big_ || bytes.empty()) return;
  if (content_total_ + bytes.size() > limits_.max_message_size) {
    // Keep reading to the terminator so the session can answer 552 in sync with the client.
    too_big_ = true;
    std::string().swap(content_);
    return;
  }
  content_total_ += bytes.size();
  content_.append(bytes);
}

void Decoder::bare_line_ending() {
  // The caller decides whether bare_ means reject; normalize writes a real line ending. The
  // scanner never treats the line after it as a line start, so a bare-LF "." cannot end DATA
  // even though the normalized content shows a CRLF there.
  bare_ = true;
  if (bare_mode_ == BareLineEndings::normalize) append_content("\r\n");
}

Event Decoder::next_data() {
  const char* d = in_.data();
  const size_t n = in_.size();
  size_t i = head_;
  while (i < n) {
    if (chunk_ready(content_)) {
      // The scanner state stays as it is; the next call resumes at byte i.
      head_ = i;
      ContentChunk out{std::move(content_)};
      content_.clear();
      return out;
    }
    const char c = d[i];
    switch (data_state_) {
      case DataState::mid_line: {
        size_t j = i;
        while (j < n && d[j] != '\r' && d[j] != '\n') ++j;
        if (j > i) {
          append_content(std::string_view(d + i, j - i));
          i = j;
          continue;
        }
        if (c == '\r') {
          data_state_ = DataState::cr;
        } else {  // a bare LF: the next line does not start after a real CRLF
          if (bare_mode_ == BareLineEndings::reject) append_content("\n");
          bare_line_ending();
        }
        ++i;
        continue;
      }
      case DataState::line_start:
        if (c == '.') {
          data_state_ = DataState::dot;
          ++i;
          continue;
        }
        data_state_ = DataState::mid_line;
        continue;  // reprocess c
      case DataState::cr:
        if (c == '\n') {
          append_content("\r\n");
          data_state_ = DataState::line_start;
          ++i;
          continue;
        }
        // A bare CR; c (maybe another CR) is reprocessed in the middle of a line.
        if (bare_mode_ == BareLineEndings::reject) append_content("\r");
        bare_line_ending();
        data_state_ = DataState::mid_line;
        continue;
      case DataState::dot:
        if (c == '\r') {
          data_state_ = DataState::dot_cr;
          ++i;
          continue;
        }
        // RFC 5321 §4.5.2: a leading period followed by more characters is deleted.
        data_state_ = DataState::mid_line;
        continue;  // reprocess c
      case DataState::dot_cr:
        if (c == '\n') {
          // <CR><LF>.<CR><LF>: the end of mail data (RFC 5321 §4.1.1.4).
          head_ = scan_ = i + 1;
          mode_ = Mode::command;
          DataDone done;
          done.too_big = too_big_;
          done.bare_line_ending = bare_;
          if (!too_big_) done.content = std::move(content_);
          content_.clear();
          return done;
        }
        // ".\r" then something else: the period is deleted (§4.5.2) and the CR is pending.
        data_state_ = DataState::cr;
        continue;  // reprocess c
    }
  }
  head_ = n;
  return NeedMore{};
}

}  // namespace postamt::proto::smtp
