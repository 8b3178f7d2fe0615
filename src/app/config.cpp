// Configuration loading and rendering; see config.h.
#include "app/config.h"

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace postamt::app {

std::string config_path(const std::string& data_dir) { return (std::filesystem::path(data_dir) / "postamt.toml").string(); }

std::string Config::path(const std::string& relative) const {
  std::filesystem::path p(relative);
  if (p.is_absolute()) return p.string();
  return (std::filesystem::path(data_dir) / p).string();
}

namespace {

class Reader {
 public:
  explicit Reader(std::vector<ConfigProblem>& problems) : problems_(problems) {}

  void problem(const toml::node& n, std::string msg) { problem(n.source(), std::move(msg)); }
  void problem(const toml::source_region& where, std::string msg) {
    problems_.push_back(
        {static_cast<unsigned>(where.begin.line), static_cast<unsigned>(where.begin.column), std::move(msg)});
  }

  void uint(const toml::node& n, const std::string& key, uint64_t lo, uint64_t hi, uint64_t& out) {
    auto v = n.value<int64_t>();
    if (!n.is_integer() || !v) return problem(n, "'" + key + "' must be an integer");
    if (*v < 0 || static_cast<uint64_t>(*v) < lo || static_cast<uint64_t>(*v) > hi)
      return problem(n, "'" + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = static_cast<uint64_t>(*v);
  }
  template <class T>
  void uint_as(const toml::node& n, const std::string& key, uint64_t lo, uint64_t hi, T& out) {
    uint64_t v = out;
    uint(n, key, lo, hi, v);
    out = static_cast<T>(v);
  }
  void str(const toml::node& n, const std::string& key, std::string& out) {
    if (!n.is_string()) return problem(n, "'" + key + "' must be a string");
    out = *n.value<std::string>();
  }
  void boolean(const toml::node& n, const std::string& key, bool& out) {
    if (!n.is_boolean()) return problem(n, "'" + key + "' must be true or false");
    out = *n.value<bool>();
  }

 private:
  std::vector<ConfigProblem>& problems_;
};

using KeyFn = std::function<void(Reader&, const toml::node&, const std::string&)>;

std::map<std::string, std::map<std::string, KeyFn>> schema(Config& c) {
  auto port = [](uint16_t& p) {
    return [&p](Reader& r, const toml::node& n, const std::string& k) { r.uint_as(n, k, 0, 65535, p); };
  };
  auto num = [](auto& field, uint64_t lo, uint64_t hi) {
    return [&field, lo, hi](Reader& r, const toml::node& n, const std::string& k) { r.uint_as(n, k, lo, hi, field); };
  };
  auto text = [](std::string& s) {
    return [&s](Reader& r, const toml::node& n, const std::string& k) { r.str(n, k, s); };
  };
  return {
      {"server",
       {{"hostname", text(c.hostname)},
        {"bind",
         [&c](Reader& r, const toml::node& n, const std::string& k) {
           auto* arr = n.as_array();
           if (!arr || arr->empty()) return r.problem(n, "'" + k + "' must be a non-empty array of addresses");
           c.bind.clear();
           for (const auto& e : *arr) {
             if (!e.is_string()) return r.problem(e, "'" + k + "' entries must be strings");
             c.bind.push_back(*e.value<std::string>());
           }
         }},
        {"io_threads", num(c.io_threads, 0, 256)},
        {"worker_threads", num(c.worker_threads, 1, 256)},
        {"user", text(c.user)}}},
      {"listen",
       {{"smtp", port(c.ports.smtp)},
        {"submission", port(c.ports.submission)},
        {"submissions", port(c.ports.submissions)},
        {"pop3", port(c.ports.pop3)},
        {"pop3s", port(c.ports.pop3s)},
        {"imap", port(c.ports.imap)},
        {"imaps", port(c.ports.imaps)},
        {"http", port(c.ports.http)},
        {"https", port(c.ports.https)}}},
      {"tls", {{"cert", text(c.tls_cert)}, {"key", text(c.tls_key)}}},
      {"smtp",
       {{"max_message_size", num(c.smtp_max_message_size, 1024, 1ull << 32)},
        {"max_recipients", num(c.smtp_max_recipients, 100, 100000)},  // RFC 5321 §4.5.3.1.8
        {"max_command_line", num(c.smtp_max_command_line, 512, 65536)},
        {"max_errors", num(c.smtp_max_errors, 1, 1000)},
        {"command_timeout", num(c.smtp_command_timeout, 10, 3600)},
        {"data_timeout", num(c.smtp_data_timeout, 10, 3600)},
        {"bare_line_endings",
         [&c](Reader& r, const toml::node& n, const std::string& k) {
           r.str(n, k, c.smtp_bare_line_endings);
           if (c.smtp_bare_line_endings != "reject" && c.smtp_bare_line_endings != "normalize")
             r.problem(n, "'" + k + "' must be \"reject\" or \"normalize\"");
         }}}},
      {"pop3", {{"idle_timeout", num(c.pop3_idle_timeout, 10, 86400)}, {"max_errors", num(c.pop3_max_errors, 1, 1000)}}},
      {"imap",
       {{"idle_timeout", num(c.imap_idle_timeout, 1800, 86400)},  // RFC 9051 §5.4: at least 30 minutes
        {"max_errors", num(c.imap_max_errors, 1, 1000)},
        {"sessions_per_user", num(c.imap_sessions_per_user, 1, 100000)}}},
      {"limits", {{"sessions_per_ip", num(c.sessions_per_ip, 1, 1000000)}, {"max_sessions", num(c.max_sessions, 1, 10000000)}}},
      {"auth",
       {{"allow_plaintext_loopback",
         [&c](Reader& r, const toml::node& n, const std::string& k) { r.boolean(n, k, c.allow_plaintext_loopback); }}}},
      {"log",
       {{"level",
         [&c](Reader& r, const toml::node& n, const std::string& k) {
           r.str(n, k, c.log_level);
           static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
           bool ok = false;
           for (auto* l : kLevels) ok = ok || c.log_level == l;
           if (!ok) r.problem(n, "'" + k + "' must be one of trace, debug, info, warn, error, critical, off");
         }}}},
  };
}

}  // namespace

Result<LoadedConfig> load_config(const std::string& data_dir) {
  LoadedConfig out;
  out.config.data_dir = data_dir;
  std::string file = config_path(data_dir);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::make(ErrorCode::not_found, "cannot read " + file + " (run `postamt init` first?)");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    out.problems.push_back({static_cast<unsigned>(e.source().begin.line), static_cast<unsigned>(e.source().begin.column),
                            std::string(e.description())});
    return out;
  }
  Reader reader(out.problems);
  auto sch = schema(out.config);
  for (const auto& [section, node] : root) {
    std::string sname(section.str());
    auto it = sch.find(sname);
    if (it == sch.end()) {
      reader.problem(section.source(), "unknown section [" + sname + "]");
      continue;
    }
    auto* table = node.as_table();
    if (!table) {
      reader.problem(node, "'" + sname + "' must be a table ([" + sname + "])");
      continue;
    }
    for (const auto& [key, value] : *table) {
      std::string kname(key.str());
      auto kit = it->second.find(kname);
      if (kit == it->second.end()) {
        reader.problem(key.source(), "unknown key '" + kname + "' in [" + sname + "]");
        continue;
      }
      kit->second(reader, value, sname + "." + kname);
    }
  }
  return out;
}

std::string render_config(const Config& c) {
  std::string bind;
  for (size_t i = 0; i < c.bind.size(); ++i) bind += (i ? ", \"" : "\"") + c.bind[i] + "\"";
  auto n = [](uint64_t v) { return std::to_string(v); };
  std::string s;
  s += "# Postamt configuration. Every key is listed with its default value.\n";
  s += "# Check it with `postamt check --data DIR`; SIGHUP reloads certificates, limits,\n";
  s += "# timeouts and the log level; listeners and threads need a restart.\n\n";
  s += "[server]\n";
  s += "# Name used in greetings, Received: headers and the TLS certificate.\n";
  s += "hostname = \"" + c.hostname + "\"\n";
  s += "# Addresses every listener binds to (IPv4 or IPv6).\n";
  s += "bind = [" + bind + "]\n";
  s += "# I/O threads, one io_context each; 0 = one per CPU core.\n";
  s += "io_threads = " + n(c.io_threads) + "\n";
  s += "# Threads for blocking work: database, fsync, password hashing, MIME parsing.\n";
  s += "worker_threads = " + n(c.worker_threads) + "\n";
  s += "# Drop root privileges to this user after binding ports (\"\" = keep the current user).\n";
  s += "user = \"" + c.user + "\"\n\n";
  s += "[listen]\n";
  s += "# Port of each listener; 0 disables it. http and https are reserved for\n";
  s += "# features that are not served yet.\n";
  s += "smtp = " + n(c.ports.smtp) + "          # MX: mail for local users from anyone\n";
  s += "submission = " + n(c.ports.submission) + "    # STARTTLS + AUTH (RFC 6409)\n";
  s += "submissions = " + n(c.ports.submissions) + "   # implicit TLS + AUTH (RFC 8314)\n";
  s += "pop3 = " + n(c.ports.pop3) + "          # STLS\n";
  s += "pop3s = " + n(c.ports.pop3s) + "         # implicit TLS\n";
  s += "imap = " + n(c.ports.imap) + "          # STARTTLS (LOGINDISABLED before TLS)\n";
  s += "imaps = " + n(c.ports.imaps) + "         # implicit TLS\n";
  s += "http = " + n(c.ports.http) + "\n";
  s += "https = " + n(c.ports.https) + "\n\n";
  s += "[tls]\n";
  s += "# PEM files, relative to the data directory; reloaded on SIGHUP.\n";
  s += "cert = \"" + c.tls_cert + "\"\n";
  s += "key = \"" + c.tls_key + "\"\n\n";
  s += "[smtp]\n";
  s += "# Largest message accepted, in bytes (advertised as SIZE, RFC 1870).\n";
  s += "max_message_size = " + n(c.smtp_max_message_size) + "\n";
  s += "# Recipients per message (RFC 5321 §4.5.3.1.8: at least 100).\n";
  s += "max_recipients = " + n(c.smtp_max_recipients) + "\n";
  s += "# Longest command line, in bytes.\n";
  s += "max_command_line = " + n(c.smtp_max_command_line) + "\n";
  s += "# Client errors before the session is closed with 421.\n";
  s += "max_errors = " + n(c.smtp_max_errors) + "\n";
  s += "# Seconds to wait for the next command / for message data (RFC 5321 §4.5.3.2).\n";
  s += "command_timeout = " + n(c.smtp_command_timeout) + "\n";
  s += "data_timeout = " + n(c.smtp_data_timeout) + "\n";
  s += "# Message content with a bare CR or LF: \"reject\" (554 5.6.0) or \"normalize\" to CRLF.\n";
  s += "bare_line_endings = \"" + c.smtp_bare_line_endings + "\"\n\n";
  s += "[pop3]\n";
  s += "# Seconds of inactivity before the session is closed (RFC 1939 §3: at least 600).\n";
  s += "idle_timeout = " + n(c.pop3_idle_timeout) + "\n";
  s += "max_errors = " + n(c.pop3_max_errors) + "\n\n";
  s += "[imap]\n";
  s += "# Seconds of inactivity before autologout (RFC 9051 §5.4: at least 1800).\n";
  s += "idle_timeout = " + n(c.imap_idle_timeout) + "\n";
  s += "# Protocol errors in a row before the session is closed with BYE.\n";
  s += "max_errors = " + n(c.imap_max_errors) + "\n";
  s += "# Simultaneous IMAP sessions of one user.\n";
  s += "sessions_per_user = " + n(c.imap_sessions_per_user) + "\n\n";
  s += "[limits]\n";
  s += "# Simultaneous sessions from one IP address, and in total.\n";
  s += "sessions_per_ip = " + n(c.sessions_per_ip) + "\n";
  s += "max_sessions = " + n(c.max_sessions) + "\n\n";
  s += "[auth]\n";
  s += "# Allow passwords without TLS from loopback clients (never from the network).\n";
  s += std::string("allow_plaintext_loopback = ") + (c.allow_plaintext_loopback ? "true" : "false") + "\n\n";
  s += "[log]\n";
  s += "# trace, debug, info, warn, error, critical or off.\n";
  s += "level = \"" + c.log_level + "\"\n";
  return s;
}

}  // namespace postamt::app
