// Names for ErrorCode, used in logs.
#include "base/result.h"

namespace postamt {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::temp: return "temp";
    case ErrorCode::not_found: return "not-found";
    case ErrorCode::exists: return "exists";
    case ErrorCode::no_quota: return "no-quota";
    case ErrorCode::too_big: return "too-big";
    case ErrorCode::in_use: return "in-use";
    case ErrorCode::permission: return "permission";
    case ErrorCode::params: return "params";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string s = to_string(code);
  s += ": ";
  s += message;
  if (!detail.empty()) {
    s += " (";
    s += detail;
    s += ")";
  }
  return s;
}

}  // namespace postamt
