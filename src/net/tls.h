// TLS server contexts (DESIGN §7): TLS 1.2+, Mozilla "intermediate" ciphers,
// strict ALPN per protocol (ALPACA), certificate from tls/ files, hot reload on SIGHUP.
// Handles untrusted input only through OpenSSL's handshake.
// RFCs: 8314 (implicit TLS), 7301 (ALPN), 8996 (no TLS < 1.2).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"

namespace boost::asio::ssl {
class context;
}

namespace postamt::net {

enum class TlsProtocol { smtp, pop3, imap, http };

struct TlsFiles {
  std::string cert_path;  // PEM chain, leaf first
  std::string key_path;   // PEM private key
};

class TlsContexts {
 public:
  static Result<std::shared_ptr<TlsContexts>> load(const TlsFiles& files);
  // Re-reads the files; on failure the old contexts stay in use.
  Result<void> reload();
  std::shared_ptr<boost::asio::ssl::context> context(TlsProtocol proto) const;

 private:
  explicit TlsContexts(TlsFiles files) : files_(std::move(files)) {}
  TlsFiles files_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_[4];
};

// Writes a self-signed ECDSA P-256 certificate for `hostname` (SAN dNSName, plus
// iPAddress `ip` when given, so clients can connect by address too), valid for
// ten years, as PEM files; the key file gets mode 0600.
Result<void> generate_self_signed(const std::string& hostname, const TlsFiles& out, const std::string& ip = {});

}  // namespace postamt::net
