// TLS contexts and self-signed certificate generation; see tls.h.
#include "net/tls.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>

namespace postamt::net {
namespace ssl = boost::asio::ssl;

namespace {

// Mozilla "intermediate" configuration (TLS 1.2 cipher list; TLS 1.3 suites are OpenSSL's defaults).
constexpr const char* kCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// ALPN protocol ids in wire format (RFC 7301 §3.1).
const unsigned char kAlpnSmtp[] = {4, 's', 'm', 't', 'p'};
const unsigned char kAlpnPop3[] = {4, 'p', 'o', 'p', '3'};
const unsigned char kAlpnImap[] = {4, 'i', 'm', 'a', 'p'};
const unsigned char kAlpnHttp[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

struct AlpnId {
  const unsigned char* data;
  unsigned len;
};

// ALPACA defence: a client that offers ALPN but not our protocol is talking to the
// wrong service (cross-protocol attack); refuse the handshake. No ALPN offered: fine.
int alpn_select(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned inlen, void* arg) {
  auto* id = static_cast<AlpnId*>(arg);
  unsigned char* sel = nullptr;
  unsigned char sel_len = 0;
  if (SSL_select_next_proto(&sel, &sel_len, id->data, id->len, in, inlen) == OPENSSL_NPN_NEGOTIATED) {
    *out = sel;
    *outlen = sel_len;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

AlpnId g_alpn[4] = {{kAlpnSmtp, sizeof kAlpnSmtp},
                    {kAlpnPop3, sizeof kAlpnPop3},
                    {kAlpnImap, sizeof kAlpnImap},
                    {kAlpnHttp, sizeof kAlpnHttp}};

Result<std::shared_ptr<ssl::context>> make_context(const TlsFiles& files, int proto) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(native, kCiphers);
  // Small per-session memory (issue 3 target: ≤ 16 KB per idle TLS session).
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(native, alpn_select, &g_alpn[proto]);
  if (SSL_CTX_use_certificate_chain_file(native, files.cert_path.c_str()) != 1)
    return Error::make(ErrorCode::params, "cannot load TLS certificate " + files.cert_path);
  if (SSL_CTX_use_PrivateKey_file(native, files.key_path.c_str(), SSL_FILETYPE_PEM) != 1)
    return Error::make(ErrorCode::params, "cannot load TLS key " + files.key_path);
  if (SSL_CTX_check_private_key(native) != 1)
    return Error::make(ErrorCode::params, "TLS key does not match certificate " + files.cert_path);
  return ctx;
}

}  // namespace

Result<std::shared_ptr<TlsContexts>> TlsContexts::load(const TlsFiles& files) {
  std::shared_ptr<TlsContexts> t(new TlsContexts(files));
  auto r = t->reload();
  if (!r) return r.error();
  return t;
}

Result<void> TlsContexts::reload() {
  std::shared_ptr<ssl::context> fresh[4];
  for (int i = 0; i < 4; ++i) {
    auto c = make_context(files_, i);
    if (!c) return c.error();
    fresh[i] = std::move(*c);
  }
  std::lock_guard lock(mu_);
  for (int i = 0; i < 4; ++i) ctx_[i] = std::move(fresh[i]);
  return {};
}

std::shared_ptr<ssl::context> TlsContexts::context(TlsProtocol proto) const {
  std::lock_guard lock(mu_);
  return ctx_[static_cast<int>(proto)];
}

Result<void> generate_self_signed(const std::string& hostname, const TlsFiles& out, const std::string& ip) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) return Error::make(ErrorCode::internal, "cannot generate EC key");
  X509* x = X509_new();
  bool ok = x != nullptr;
  if (ok) {
    X509_set_version(x, 2);
    unsigned char serial[16];
    FILE* ur = std::fopen("/dev/urandom", "rb");
    size_t got = ur ? std::fread(serial, 1, sizeof serial, ur) : 0;
    if (ur) std::fclose(ur);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, static_cast<int>(got), nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(hostname.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    std::string san = "DNS:" + hostname;
    if (!ip.empty()) san += ",IP:" + ip;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str());
    if (ext) {
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    ok = X509_sign(x, key, EVP_sha256()) > 0;
  }
  if (ok) {
    FILE* kf = std::fopen(out.key_path.c_str(), "wx");
    if (kf) {
      ::chmod(out.key_path.c_str(), 0600);
      ok = PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
      std::fclose(kf);
    } else {
      ok = false;
    }
    FILE* cf = ok ? std::fopen(out.cert_path.c_str(), "wx") : nullptr;
    if (cf) {
      ok = PEM_write_X509(cf, x) == 1;
      std::fclose(cf);
    } else {
      ok = false;
    }
  }
  X509_free(x);
  EVP_PKEY_free(key);
  if (!ok) return Error::make(ErrorCode::internal, "cannot write self-signed certificate to " + out.cert_path);
  return {};
}

}  // namespace postamt::net
