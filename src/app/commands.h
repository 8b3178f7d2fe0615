// Subcommands of the postamt binary (DESIGN §10). Each returns the process exit
// code: 0 success, 1 operation failed, 2 usage or configuration error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace postamt::app {

struct InitOptions {
  std::string data_dir;
  std::string domain;
  std::string hostname;  // default: mail.<domain>
  std::string bind = "127.0.0.1";
  unsigned port_base = 0;
};
int cmd_init(const InitOptions& o);
int cmd_serve(const std::string& data_dir);
int cmd_check(const std::string& data_dir);

int cmd_domain_add(const std::string& data_dir, const std::string& domain);
int cmd_domain_list(const std::string& data_dir);
int cmd_domain_remove(const std::string& data_dir, const std::string& domain);

struct PasswordSource {
  bool from_stdin = false;
};
int cmd_user_add(const std::string& data_dir, const std::string& address, PasswordSource pw, const std::string& quota);
int cmd_user_passwd(const std::string& data_dir, const std::string& address, PasswordSource pw);
int cmd_user_list(const std::string& data_dir, const std::string& domain);
int cmd_user_remove(const std::string& data_dir, const std::string& address);
int cmd_user_quota(const std::string& data_dir, const std::string& address, const std::string& quota);

int cmd_alias_add(const std::string& data_dir, const std::string& source, const std::vector<std::string>& targets);
int cmd_alias_list(const std::string& data_dir, const std::string& domain);
int cmd_alias_remove(const std::string& data_dir, const std::string& source);

// "10G", "512M", "100k", "0" (unlimited) → bytes.
std::optional<uint64_t> parse_size(const std::string& s);

}  // namespace postamt::app
