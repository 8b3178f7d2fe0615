// Charset conversion to UTF-8 through ICU converters (DESIGN §4: no hand-written tables),
// and Unicode case folding for case-insensitive search.
// Handles untrusted input: charset names and bytes come straight from messages.
// RFCs: 2045 §5.1 / 2046 §4.1.2 (charset parameter), 2978 (IANA charset names).
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "base/strings.h"
#include "mime/mime.h"

namespace postamt::mime {

namespace {

constexpr size_t kMaxCharsetName = 64;

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

// Some ICU converters substitute U+001A for invalid bytes; we always want U+FFFD.
void to_u_fffd(const void*, UConverterToUnicodeArgs* args, const char*, int32_t, UConverterCallbackReason reason,
               UErrorCode* err) {
  if (reason > UCNV_IRREGULAR) return;  // reset/close/clone: nothing to write
  static const UChar kFffd[] = {0xFFFD};
  *err = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, kFffd, 1, 0, err);
}


}  // namespace

std::optional<std::string> to_utf8(std::string_view bytes, std::string_view charset_in) {
  std::string_view charset = trim(charset_in);
  if (charset.empty() || charset.size() > kMaxCharsetName) return std::nullopt;
  for (char c : charset) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return std::nullopt;  // also keeps NUL out of the C string
  }
  std::string name(charset);
  // Fast path: most mail is UTF-8 or ASCII already.
  if ((iequals(name, "utf-8") || iequals(name, "utf8") || iequals(name, "us-ascii")) && is_valid_utf8(bytes))
    return std::string(bytes);

  UErrorCode err = U_ZERO_ERROR;
  ConverterPtr src(ucnv_open(name.c_str(), &err));
  if (U_FAILURE(err) || !src) return std::nullopt;
  err = U_ZERO_ERROR;
  ConverterPtr dst(ucnv_open("UTF-8", &err));
  if (U_FAILURE(err) || !dst) return std::nullopt;
  err = U_ZERO_ERROR;
  ucnv_setToUCallBack(src.get(), to_u_fffd, nullptr, nullptr, nullptr, &err);
  err = U_ZERO_ERROR;
  // Lone surrogates from UTF-16/32 sources become U+FFFD (EF BF BD) in the output.
  ucnv_setFromUCallBack(dst.get(), UCNV_FROM_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr, &err);
  err = U_ZERO_ERROR;
  ucnv_setSubstString(dst.get(), u"\uFFFD", 1, &err);

  std::string out;
  char buf[8192];
  UChar pivot[1024];
  UChar* pivot_source = pivot;
  UChar* pivot_target = pivot;
  const char* source = bytes.data();
  const char* source_limit = bytes.data() + bytes.size();
  bool reset = true;
  for (;;) {
    char* target = buf;
    err = U_ZERO_ERROR;
    ucnv_convertEx(dst.get(), src.get(), &target, buf + sizeof buf, &source, source_limit, pivot, &pivot_source,
                   &pivot_target, pivot + 1024, reset, true, &err);
    reset = false;
    out.append(buf, static_cast<size_t>(target - buf));
    if (err == U_BUFFER_OVERFLOW_ERROR) continue;
    if (U_FAILURE(err)) return std::nullopt;
    break;
  }
  return out;
}

namespace {

// Input is folded in pieces of about this many bytes, cut before a UTF-8 lead
// byte: full case folding maps each code point on its own (no context), so the
// pieces fold exactly like the whole, with bounded buffers and int32_t lengths.
constexpr size_t kFoldChunk = 64 * 1024;

bool fold_piece(std::string_view in, std::vector<UChar>& u16, std::vector<UChar>& folded, std::string& out) {
  UErrorCode err = U_ZERO_ERROR;
  int32_t len = 0;
  u16.resize(in.size() + 1);  // UTF-16 never needs more units than UTF-8 has bytes
  u_strFromUTF8WithSub(u16.data(), static_cast<int32_t>(u16.size()), &len, in.data(),
                       static_cast<int32_t>(in.size()), 0xFFFD, nullptr, &err);
  if (U_FAILURE(err)) return false;
  folded.resize(static_cast<size_t>(len) * 3 + 1);  // a code point folds to at most 3
  err = U_ZERO_ERROR;
  int32_t flen = u_strFoldCase(folded.data(), static_cast<int32_t>(folded.size()), u16.data(), len,
                               U_FOLD_CASE_DEFAULT, &err);
  if (U_FAILURE(err)) return false;
  size_t base = out.size();
  out.resize(base + static_cast<size_t>(flen) * 3 + 1);
  int32_t written = 0;
  err = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data() + base, static_cast<int32_t>(out.size() - base), &written, folded.data(), flen,
                     0xFFFD, nullptr, &err);
  if (U_FAILURE(err)) return false;
  out.resize(base + static_cast<size_t>(written));
  return true;
}

}  // namespace

std::string fold_case(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  std::vector<UChar> u16;
  std::vector<UChar> folded;
  while (!utf8.empty()) {
    size_t n = std::min(utf8.size(), kFoldChunk);
    // Back up to a lead byte (at most 3 steps for valid UTF-8; invalid runs of
    // continuation bytes are cut anywhere, they become U+FFFD either way).
    for (size_t back = 0; n < utf8.size() && back < 4 && (static_cast<unsigned char>(utf8[n]) & 0xC0) == 0x80;
         ++back)
      --n;
    std::string_view piece = utf8.substr(0, n);
    utf8.remove_prefix(n);
    bool ascii = std::all_of(piece.begin(), piece.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      // U_FOLD_CASE_DEFAULT folds ASCII exactly like ASCII lower-casing.
      out += ascii_lowercase(piece);
    } else if (!fold_piece(piece, u16, folded, out)) {
      out += "\xEF\xBF\xBD";  // cannot happen with the buffer sizes above; never emit unfolded bytes
    }
  }
  return out;
}

// RFC 5051 §2.1 i;unicode-casemap: every character to its titlecase form, then
// NFKD. Used where RFC 5256 asks for it (SORT, THREAD base subjects).
std::string unicode_casemap(std::string_view utf8) {
  icu::UnicodeString titled;
  int32_t i = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  int32_t len = static_cast<int32_t>(std::min<size_t>(utf8.size(), INT32_MAX));
  while (i < len) {
    UChar32 c;
    U8_NEXT(s, i, len, c);
    titled.append(c < 0 ? static_cast<UChar32>(0xFFFD) : u_totitle(c));
  }
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(err);
  if (U_FAILURE(err)) return fold_case(utf8);
  icu::UnicodeString decomposed = nfkd->normalize(titled, err);
  if (U_FAILURE(err)) return fold_case(utf8);
  std::string out;
  decomposed.toUTF8String(out);
  return out;
}

}  // namespace postamt::mime
