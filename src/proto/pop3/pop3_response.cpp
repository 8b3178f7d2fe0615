// POP3 reply formatting and multi-line body encoders (dot-stuffing, TOP filter).
// Handles untrusted data: message bodies are arbitrary bytes from the internet.
// RFCs: 1939 §3 (status indicators, multi-line byte-stuffing), 1939 §7 (TOP),
// 2449 §8 and 3206 (extended response codes).
#include "proto/pop3/pop3_codec.h"

namespace postamt::proto::pop3 {
namespace {

// Reply text must never end the line early or inject a second reply.
void append_sanitized(std::string& out, std::string_view text) {
  for (char c : text) out.push_back((c == '\r' || c == '\n' || c == '\0') ? ' ' : c);
}

}  // namespace

std::string ok(std::string_view text) {
  std::string out = "+OK";
  if (!text.empty()) {
    out.push_back(' ');
    append_sanitized(out, text);
  }
  out += "\r\n";
  return out;
}

std::string err(std::string_view text, std::string_view resp_code) {
  std::string out = "-ERR";
  if (!resp_code.empty()) {
    // RFC 2449 §8: "[" resp-code "]" directly after "-ERR ".
    out += " [";
    for (char c : resp_code) out.push_back((c == ']' || c == '\r' || c == '\n' || c == '\0') ? ' ' : c);
    out.push_back(']');
  }
  if (!text.empty()) {
    out.push_back(' ');
    append_sanitized(out, text);
  }
  out += "\r\n";
  return out;
}

std::string DotStuffer::encode(std::string_view chunk) {
  std::string out;
  out.reserve(chunk.size() + chunk.size() / 64 + 8);
  for (char c : chunk) {
    // RFC 1939 §3: a line starting with the termination octet gets it doubled.
    if (line_start_ && c == '.') out.push_back('.');
    if (c == '\n') {
      if (!prev_cr_) out.push_back('\r');  // multi-line responses use CRLF lines
      out.push_back('\n');
      line_start_ = true;
      prev_cr_ = false;
      continue;
    }
    out.push_back(c);
    line_start_ = false;
    prev_cr_ = c == '\r';
  }
  return out;
}

std::string DotStuffer::finish() {
  std::string out;
  if (!line_start_) out += prev_cr_ ? "\n" : "\r\n";
  out += ".\r\n";
  line_start_ = true;
  prev_cr_ = false;
  return out;
}

TopFilter::TopFilter(uint64_t body_lines) : body_lines_(body_lines) {}

std::string TopFilter::feed(std::string_view chunk) {
  std::string out;
  if (done_) return out;
  size_t i = 0;
  for (; i < chunk.size() && !done_; ++i) {
    char c = chunk[i];
    if (c != '\n') {
      line_only_cr_ = line_len_ == 0 && c == '\r';
      ++line_len_;
      continue;
    }
    bool blank = line_len_ == 0 || (line_len_ == 1 && line_only_cr_);
    line_len_ = 0;
    line_only_cr_ = false;
    if (in_header_) {
      if (blank) {
        in_header_ = false;  // RFC 1939 §7: the blank line is always sent
        done_ = body_lines_ == 0;
      }
    } else {
      ++seen_;
      done_ = seen_ >= body_lines_;
    }
  }
  out.assign(chunk.substr(0, i));
  return out;
}

}  // namespace postamt::proto::pop3
