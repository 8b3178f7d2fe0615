// Content-Transfer-Encoding decoding: lenient base64 (through OpenSSL EVP, DESIGN §4) and
// quoted-printable.
// Handles untrusted input (bodies of received messages); total and linear.
// RFCs: 2045 §6.7 (quoted-printable), §6.8 (base64), 2047 §4.1 (B encoding).
#include <openssl/evp.h>

#include "base/strings.h"
#include "mime/internal.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace detail {

namespace {

bool is_b64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// Decodes `clean` (alphabet characters only, length a multiple of 4, '=' padding only in
// the last quantum) with OpenSSL and appends the bytes to `out`.
void decode_clean(const std::string& clean, size_t pad, std::string& out) {
  if (clean.empty()) return;
  size_t old = out.size();
  out.resize(old + clean.size() / 4 * 3);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + old),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) {
    out.resize(old);
    return;
  }
  size_t got = static_cast<size_t>(n);
  out.resize(old + (got >= pad ? got - pad : 0));
}

}  // namespace

std::string decode_base64_lenient(std::string_view in) {
  // RFC 2045 §6.8: characters outside the alphabet are ignored (MUAs also accept junk);
  // '=' ends a quantum. Quanta are collected into chunks that OpenSSL decodes; a quantum
  // cut short by '=' or the end is padded, a lone sixth-bit character is dropped.
  constexpr size_t kChunk = 1 << 16;  // multiple of 4; keeps EVP's int length small
  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
  std::string clean;
  clean.reserve(std::min(in.size(), kChunk) + 4);
  auto finish_quantum = [&]() {
    size_t rem = clean.size() % 4;
    if (rem == 1) {
      clean.pop_back();
      rem = 0;
    }
    size_t pad = rem == 0 ? 0 : 4 - rem;
    clean.append(pad, '=');
    decode_clean(clean, pad, out);
    clean.clear();
  };
  for (char c : in) {
    if (is_b64_char(c)) {
      clean.push_back(c);
      if (clean.size() >= kChunk) decode_clean(clean, 0, out), clean.clear();
    } else if (c == '=' && clean.size() % 4 != 0) {
      finish_quantum();
    }
  }
  finish_quantum();
  return out;
}

}  // namespace detail

namespace {

std::string decode_qp(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t pos = 0;
  while (pos < in.size()) {
    size_t nl = in.find('\n', pos);
    size_t line_end = nl == std::string_view::npos ? in.size() : nl;
    std::string_view line = in.substr(pos, line_end - pos);
    std::string_view eol = nl == std::string_view::npos ? std::string_view() : in.substr(nl, 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
      if (!eol.empty()) eol = in.substr(nl - 1, 2);
    }
    // RFC 2045 §6.7 (3): trailing whitespace was possibly added in transport: delete it.
    while (!line.empty() && detail::is_wsp(line.back())) line.remove_suffix(1);
    bool soft = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c != '=') {
        out.push_back(c);
        continue;
      }
      if (i + 1 == line.size()) {
        soft = true;  // RFC 2045 §6.7 (5): soft line break
        break;
      }
      int hi = i + 2 < line.size() ? detail::hex_value(line[i + 1]) : -1;
      int lo = i + 2 < line.size() ? detail::hex_value(line[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        out.push_back(c);  // invalid escape: kept literally, as RFC 2045 §6.7 suggests
      }
    }
    if (!soft) out.append(eol);
    pos = nl == std::string_view::npos ? in.size() : nl + 1;
  }
  return out;
}

}  // namespace

std::string decode_transfer_encoding(std::string_view body, std::string_view encoding) {
  std::string enc = ascii_lowercase(detail::trim_all(encoding));
  if (enc == "base64") return detail::decode_base64_lenient(body);
  if (enc == "quoted-printable") return decode_qp(body);
  return std::string(body);
}

}  // namespace postamt::mime
