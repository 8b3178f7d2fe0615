// Administrative subcommands: init, check, domain, user, alias. They open the
// store directly (SQLite WAL), so they work while the server runs.
// Handles operator input: addresses, domains, passwords, quotas.
#include <arpa/inet.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "app/config.h"
#include "auth/password.h"
#include "auth/random.h"
#include "base/strings.h"
#include "net/tls.h"
#include "proto/smtp/smtp_codec.h"
#include "store/sqlite/sqlite_store.h"

namespace postamt::app {

namespace fs = std::filesystem;

namespace {

int fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "postamt: %s\n", msg.c_str());
  return code;
}

Result<std::unique_ptr<store::Store>> open_store(const std::string& data_dir) {
  if (!fs::exists(config_path(data_dir)))
    return Error::make(ErrorCode::not_found, "no instance at " + data_dir + " (run `postamt init` first)");
  store::SqliteOptions o;
  o.data_dir = data_dir;
  return store::open_sqlite_store(o);
}

// Reads a password: first line of stdin with --password-stdin, else an
// interactive prompt (twice, without echo). Never from the command line.
std::optional<std::string> read_password(PasswordSource src) {
  std::string pw;
  if (src.from_stdin) {
    if (!std::getline(std::cin, pw)) return std::nullopt;
    if (!pw.empty() && pw.back() == '\r') pw.pop_back();
    return pw;
  }
  if (!isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "postamt: standard input is not a terminal; use --password-stdin\n");
    return std::nullopt;
  }
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string again;
  std::fprintf(stderr, "Password: ");
  std::getline(std::cin, pw);
  std::fprintf(stderr, "\nRepeat password: ");
  std::getline(std::cin, again);
  std::fprintf(stderr, "\n");
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (pw != again) {
    std::fprintf(stderr, "postamt: passwords do not match\n");
    return std::nullopt;
  }
  return pw;
}

struct Credentials {
  std::string hash;
  store::ScramKeys scram;
};

Result<Credentials> make_credentials(const std::string& password) {
  if (password.empty()) return Error::make(ErrorCode::params, "empty password");
  if (password.size() > 1024) return Error::make(ErrorCode::params, "password longer than 1024 bytes");
  auto hash = auth::hash_password(password);
  if (!hash) return hash.error();
  auto k = auth::derive_scram_sha256(password);
  Credentials c;
  c.hash = *hash;
  c.scram.salt = k.salt;
  c.scram.iterations = k.iterations;
  c.scram.stored_key = k.stored_key;
  c.scram.server_key = k.server_key;
  return c;
}

bool valid_address(const std::string& a) {
  auto mb = proto::smtp::parse_mailbox(a);
  return mb && !mb->local.empty() && is_valid_domain(mb->domain);
}

std::string human_size(uint64_t b) {
  if (b == 0) return "unlimited";
  const char* units[] = {"B", "K", "M", "G", "T"};
  int u = 0;
  while (b >= 1024 && b % 1024 == 0 && u < 4) {
    b /= 1024;
    ++u;
  }
  return std::to_string(b) + units[u];
}

}  // namespace

std::optional<uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  uint64_t mult = 1;
  std::string num = s;
  switch (ascii_lower(s.back())) {
    case 'k': mult = 1ull << 10; break;
    case 'm': mult = 1ull << 20; break;
    case 'g': mult = 1ull << 30; break;
    case 't': mult = 1ull << 40; break;
    default: break;
  }
  if (mult != 1) num.pop_back();
  auto v = parse_u64(num);
  if (!v || *v > UINT64_MAX / mult) return std::nullopt;
  return *v * mult;
}

int cmd_init(const InitOptions& o) {
  std::string domain = ascii_lowercase(o.domain);
  if (!is_valid_domain(domain)) return fail("invalid domain '" + o.domain + "'", 2);
  std::string host = o.hostname.empty() ? "mail." + domain : ascii_lowercase(o.hostname);
  if (!is_valid_domain(host)) return fail("invalid hostname '" + o.hostname + "'", 2);
  unsigned char addr_buf[16];
  if (inet_pton(AF_INET, o.bind.c_str(), addr_buf) != 1 && inet_pton(AF_INET6, o.bind.c_str(), addr_buf) != 1)
    return fail("invalid bind address '" + o.bind + "' (an IPv4 or IPv6 address)", 2);
  if (fs::exists(config_path(o.data_dir)) || fs::exists(fs::path(o.data_dir) / "db"))
    return fail("an instance exists already at " + o.data_dir + "; refusing to overwrite it", 1);
  std::error_code ec;
  fs::create_directories(fs::path(o.data_dir) / "tls", ec);
  if (ec) return fail("cannot create " + o.data_dir + ": " + ec.message());
  fs::create_directories(fs::path(o.data_dir) / "dkim", ec);

  Config c;
  c.data_dir = o.data_dir;
  c.hostname = host;
  c.bind = {o.bind};
  unsigned b = o.port_base;
  c.ports = Ports{static_cast<uint16_t>(b + 25),  static_cast<uint16_t>(b + 587), static_cast<uint16_t>(b + 465),
                  static_cast<uint16_t>(b + 110), static_cast<uint16_t>(b + 995), static_cast<uint16_t>(b + 143),
                  static_cast<uint16_t>(b + 993), static_cast<uint16_t>(b + 80),  static_cast<uint16_t>(b + 443)};
  {
    std::ofstream out(config_path(o.data_dir), std::ios::binary);
    out << render_config(c);
    if (!out) return fail("cannot write " + config_path(o.data_dir));
  }
  {
    // Server secret: fake SCRAM salts for unknown users (no user enumeration).
    std::string secret_path = (fs::path(o.data_dir) / "secret").string();
    std::ofstream out(secret_path, std::ios::binary);
    out << auth::random_token(48) << "\n";
    fs::permissions(secret_path, fs::perms::owner_read | fs::perms::owner_write, ec);
  }
  net::TlsFiles tls{c.path(c.tls_cert), c.path(c.tls_key)};
  // A specific bind address goes into the certificate too (not the wildcards).
  std::string cert_ip = (o.bind == "0.0.0.0" || o.bind == "::") ? std::string() : o.bind;
  auto cert = net::generate_self_signed(host, tls, cert_ip);
  if (!cert) return fail(cert.error().message);
  auto st = open_store(o.data_dir);
  if (!st) return fail(st.error().describe());
  auto added = (*st)->add_domain(domain);
  if (!added) return fail(added.error().describe());
  std::printf("Created %s for domain %s (hostname %s).\n", o.data_dir.c_str(), domain.c_str(), host.c_str());
  std::printf("Self-signed certificate: %s\n", tls.cert_path.c_str());
  std::printf("Next: postamt user add --data %s USER@%s, then postamt serve --data %s\n", o.data_dir.c_str(),
              domain.c_str(), o.data_dir.c_str());
  return 0;
}

int cmd_check(const std::string& data_dir) {
  auto loaded = load_config(data_dir);
  if (!loaded) return fail(loaded.error().message, 2);
  std::string file = config_path(data_dir);
  for (const auto& p : loaded->problems)
    std::fprintf(stderr, "%s:%u:%u: %s\n", file.c_str(), p.line, p.column, p.message.c_str());
  if (!loaded->problems.empty()) return 2;
  const Config& c = loaded->config;
  net::TlsFiles tls{c.path(c.tls_cert), c.path(c.tls_key)};
  auto ctx = net::TlsContexts::load(tls);
  if (!ctx) return fail(ctx.error().message, 2);
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  std::printf("%s: OK\n", file.c_str());
  return 0;
}

int cmd_domain_add(const std::string& data_dir, const std::string& domain) {
  if (!is_valid_domain(domain)) return fail("invalid domain '" + domain + "'", 2);
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->add_domain(ascii_lowercase(domain));
  if (!r) return fail(r.error().message);
  std::printf("domain %s added\n", ascii_lowercase(domain).c_str());
  return 0;
}

int cmd_domain_list(const std::string& data_dir) {
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->list_domains();
  if (!r) return fail(r.error().message);
  for (const auto& d : *r) std::printf("%s\n", d.c_str());
  return 0;
}

int cmd_domain_remove(const std::string& data_dir, const std::string& domain) {
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->remove_domain(ascii_lowercase(domain));
  if (!r) return fail(r.error().message);
  std::printf("domain %s removed\n", domain.c_str());
  return 0;
}

int cmd_user_add(const std::string& data_dir, const std::string& address, PasswordSource pw, const std::string& quota) {
  if (!valid_address(address)) return fail("invalid address '" + address + "'", 2);
  uint64_t q = 0;
  if (!quota.empty()) {
    auto v = parse_size(quota);
    if (!v) return fail("invalid quota '" + quota + "' (e.g. 10G, 500M, 0)", 2);
    q = *v;
  }
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto password = read_password(pw);
  if (!password) return fail("no password given", 2);
  auto cred = make_credentials(*password);
  if (!cred) return fail(cred.error().message, 2);
  auto r = (*st)->add_account(address, cred->hash, cred->scram, q);
  if (!r) return fail(r.error().message);
  std::printf("user %s added (mailboxes INBOX, Sent, Drafts, Trash, Junk, Archive)\n", r->address.c_str());
  return 0;
}

int cmd_user_passwd(const std::string& data_dir, const std::string& address, PasswordSource pw) {
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto acct = (*st)->find_account(address);
  if (!acct) return fail("no such user " + address);
  auto password = read_password(pw);
  if (!password) return fail("no password given", 2);
  auto cred = make_credentials(*password);
  if (!cred) return fail(cred.error().message, 2);
  auto r = (*st)->set_password(address, cred->hash, cred->scram);
  if (!r) return fail(r.error().message);
  std::printf("password of %s changed\n", acct->address.c_str());
  return 0;
}

int cmd_user_list(const std::string& data_dir, const std::string& domain) {
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->list_accounts(ascii_lowercase(domain));
  if (!r) return fail(r.error().message);
  for (const auto& a : *r)
    std::printf("%s\tused=%llu\tquota=%s\n", a.address.c_str(), static_cast<unsigned long long>(a.used_bytes),
                human_size(a.quota_bytes).c_str());
  return 0;
}

int cmd_user_remove(const std::string& data_dir, const std::string& address) {
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->remove_account(address);
  if (!r) return fail(r.error().message);
  std::printf("user %s removed\n", address.c_str());
  return 0;
}

int cmd_user_quota(const std::string& data_dir, const std::string& address, const std::string& quota) {
  auto q = parse_size(quota);
  if (!q) return fail("invalid quota '" + quota + "' (e.g. 10G, 500M, 0)", 2);
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->set_quota(address, *q);
  if (!r) return fail(r.error().message);
  std::printf("quota of %s set to %s\n", address.c_str(), human_size(*q).c_str());
  return 0;
}

int cmd_alias_add(const std::string& data_dir, const std::string& source, const std::vector<std::string>& targets) {
  bool catch_all = !source.empty() && source.front() == '@' && is_valid_domain(source.substr(1));
  if (!catch_all && !valid_address(source)) return fail("invalid alias source '" + source + "'", 2);
  for (const auto& t : targets)
    if (!valid_address(t)) return fail("invalid target address '" + t + "'", 2);
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->add_alias(source, targets);
  if (!r) return fail(r.error().message);
  std::printf("alias %s added\n", source.c_str());
  return 0;
}

int cmd_alias_list(const std::string& data_dir, const std::string& domain) {
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->list_aliases(ascii_lowercase(domain));
  if (!r) return fail(r.error().message);
  for (const auto& a : *r) {
    std::string t;
    for (size_t i = 0; i < a.targets.size(); ++i) t += (i ? ", " : "") + a.targets[i];
    std::printf("%s\t-> %s\n", a.source.c_str(), t.c_str());
  }
  return 0;
}

int cmd_alias_remove(const std::string& data_dir, const std::string& source) {
  auto st = open_store(data_dir);
  if (!st) return fail(st.error().describe());
  auto r = (*st)->remove_alias(source);
  if (!r) return fail(r.error().message);
  std::printf("alias %s removed\n", source.c_str());
  return 0;
}

}  // namespace postamt::app
