// SASLprep via ICU's StringPrep (usprep, profile USPREP_RFC4013_SASLPREP); see saslprep.h.
#include "auth/saslprep.h"

#include <unicode/usprep.h>
#include <unicode/ustring.h>

#include <memory>
#include <vector>

namespace postamt::auth {

namespace {

bool plain_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7F) return false;
  return true;
}

struct ProfileCloser {
  void operator()(UStringPrepProfile* p) const { usprep_close(p); }
};

}  // namespace

std::optional<std::string> saslprep(std::string_view utf8) {
  // RFC 4013 §2: printable ASCII maps to itself; skip ICU for the common case.
  if (plain_ascii(utf8)) return std::string(utf8);
  if (utf8.size() > 4096) return std::nullopt;
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UStringPrepProfile, ProfileCloser> profile(usprep_openByType(USPREP_RFC4013_SASLPREP, &err));
  if (U_FAILURE(err)) return std::nullopt;

  std::vector<UChar> in(utf8.size() + 1);
  int32_t in_len = 0;
  u_strFromUTF8(in.data(), static_cast<int32_t>(in.size()), &in_len, utf8.data(), static_cast<int32_t>(utf8.size()),
                &err);
  if (U_FAILURE(err)) return std::nullopt;

  // NFKC can expand; a generous bound, then the exact size if ICU asks for more.
  std::vector<UChar> out(static_cast<size_t>(in_len) * 4 + 16);
  int32_t out_len = usprep_prepare(profile.get(), in.data(), in_len, out.data(), static_cast<int32_t>(out.size()),
                                   USPREP_DEFAULT, nullptr, &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) {
    err = U_ZERO_ERROR;
    out.resize(static_cast<size_t>(out_len) + 1);
    out_len = usprep_prepare(profile.get(), in.data(), in_len, out.data(), static_cast<int32_t>(out.size()),
                             USPREP_DEFAULT, nullptr, &err);
  }
  if (U_FAILURE(err)) return std::nullopt;

  std::string result(static_cast<size_t>(out_len) * 3 + 1, '\0');
  int32_t result_len = 0;
  u_strToUTF8(result.data(), static_cast<int32_t>(result.size()), &result_len, out.data(), out_len, &err);
  if (U_FAILURE(err)) return std::nullopt;
  result.resize(static_cast<size_t>(result_len));
  return result;
}

}  // namespace postamt::auth
