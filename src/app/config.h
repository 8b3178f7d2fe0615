// postamt.toml: the one configuration file (DESIGN §10). Every key has a default;
// unknown keys, wrong types and bad values are reported with line and column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace postamt::app {

struct Ports {
  uint16_t smtp = 25, submission = 587, submissions = 465, pop3 = 110, pop3s = 995, imap = 143, imaps = 993,
           http = 80, https = 443;
};

struct Config {
  std::string data_dir;  // not in the file: where the file is
  std::string hostname = "localhost";
  std::vector<std::string> bind = {"127.0.0.1"};
  unsigned io_threads = 0;      // 0 = one per core
  unsigned worker_threads = 4;
  std::string user;             // drop privileges to this user after binding
  Ports ports;
  std::string tls_cert = "tls/cert.pem";
  std::string tls_key = "tls/key.pem";
  // [smtp]
  uint64_t smtp_max_message_size = 50ull << 20;
  unsigned smtp_max_recipients = 100;
  unsigned smtp_max_command_line = 2048;
  unsigned smtp_max_errors = 10;
  unsigned smtp_command_timeout = 300;
  unsigned smtp_data_timeout = 600;
  std::string smtp_bare_line_endings = "reject";
  // [pop3]
  unsigned pop3_idle_timeout = 600;
  unsigned pop3_max_errors = 10;
  // [imap]
  unsigned imap_idle_timeout = 1800;
  unsigned imap_max_errors = 10;
  unsigned imap_sessions_per_user = 50;
  // [limits]
  unsigned sessions_per_ip = 50;
  unsigned max_sessions = 10000;
  // [auth]
  bool allow_plaintext_loopback = false;
  // [log]
  std::string log_level = "info";

  std::string path(const std::string& relative) const;  // resolves against data_dir
};

// One problem in the file: "postamt.toml:12:3: unknown key 'foo'".
struct ConfigProblem {
  unsigned line = 0, column = 0;
  std::string message;
};

struct LoadedConfig {
  Config config;
  std::vector<ConfigProblem> problems;  // empty = valid
};

// Reads DIR/postamt.toml. The Result fails only if the file cannot be read at all.
Result<LoadedConfig> load_config(const std::string& data_dir);
std::string config_path(const std::string& data_dir);

// The commented file `postamt init` writes, with every key and its default.
std::string render_config(const Config& c);

}  // namespace postamt::app
