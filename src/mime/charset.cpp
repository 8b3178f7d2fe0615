// Charset conversion to UTF-8 through ICU converters (DESIGN §4: no hand-written tables).
// Handles untrusted input: charset names and bytes come straight from messages.
// RFCs: 2045 §5.1 / 2046 §4.1.2 (charset parameter), 2978 (IANA charset names).
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include <memory>

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

}  // namespace postamt::mime
