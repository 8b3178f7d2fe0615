// postamt: the one binary and its subcommand table (DESIGN §10). Misuse gets a
// clear message and a non-zero exit code, never a stack trace.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "app/commands.h"

using namespace postamt::app;

int main(int argc, char** argv) {
  CLI::App app{"Postamt: a complete mail system (SMTP, POP3, more to come) in one program"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "postamt 0.1.0");
  std::string data_dir;
  if (const char* env = std::getenv("POSTAMT_DATA")) data_dir = env;
  auto data_opt = [&](CLI::App* sub) {
    auto* o = sub->add_option("--data", data_dir, "Data directory (default: $POSTAMT_DATA)");
    if (data_dir.empty()) o->required();
  };
  int rc = 0;

  InitOptions init;
  auto* c_init = app.add_subcommand("init", "Create a new instance: config, store, TLS certificate");
  c_init->add_option("--data", init.data_dir, "Data directory to create")->required();
  c_init->add_option("--domain", init.domain, "First mail domain, e.g. example.org")->required();
  c_init->add_option("--hostname", init.hostname, "Server host name (default: mail.DOMAIN)");
  c_init->add_option("--bind", init.bind, "Address to listen on")->capture_default_str();
  c_init->add_option("--port-base", init.port_base, "Add N to every standard port (25 → N+25, ...)")
      ->check(CLI::Range(0, 65000));
  c_init->callback([&] { rc = cmd_init(init); });

  auto* c_serve = app.add_subcommand("serve", "Run every listener in this process");
  data_opt(c_serve);
  c_serve->callback([&] { rc = cmd_serve(data_dir); });

  auto* c_check = app.add_subcommand("check", "Validate the configuration (line and column for every problem)");
  data_opt(c_check);
  c_check->callback([&] { rc = cmd_check(data_dir); });

  std::string name, quota, domain_filter;
  std::vector<std::string> targets;
  PasswordSource pw;

  auto* c_domain = app.add_subcommand("domain", "Manage mail domains");
  c_domain->require_subcommand(1);
  auto* d_add = c_domain->add_subcommand("add", "Add a domain");
  data_opt(d_add);
  d_add->add_option("domain", name, "Domain name")->required();
  d_add->callback([&] { rc = cmd_domain_add(data_dir, name); });
  auto* d_list = c_domain->add_subcommand("list", "List domains");
  data_opt(d_list);
  d_list->callback([&] { rc = cmd_domain_list(data_dir); });
  auto* d_rm = c_domain->add_subcommand("remove", "Remove a domain without accounts or aliases");
  data_opt(d_rm);
  d_rm->add_option("domain", name, "Domain name")->required();
  d_rm->callback([&] { rc = cmd_domain_remove(data_dir, name); });

  auto* c_user = app.add_subcommand("user", "Manage accounts (login name = full address)");
  c_user->require_subcommand(1);
  auto* u_add = c_user->add_subcommand("add", "Add an account");
  data_opt(u_add);
  u_add->add_option("address", name, "Full address, e.g. alice@example.org")->required();
  u_add->add_flag("--password-stdin", pw.from_stdin, "Read the password from the first line of standard input");
  u_add->add_option("--quota", quota, "Quota, e.g. 10G, 500M; 0 = unlimited");
  u_add->callback([&] { rc = cmd_user_add(data_dir, name, pw, quota); });
  auto* u_pw = c_user->add_subcommand("passwd", "Set an account's password");
  data_opt(u_pw);
  u_pw->add_option("address", name, "Full address")->required();
  u_pw->add_flag("--password-stdin", pw.from_stdin, "Read the password from the first line of standard input");
  u_pw->callback([&] { rc = cmd_user_passwd(data_dir, name, pw); });
  auto* u_list = c_user->add_subcommand("list", "List accounts");
  data_opt(u_list);
  u_list->add_option("domain", domain_filter, "Only this domain");
  u_list->callback([&] { rc = cmd_user_list(data_dir, domain_filter); });
  auto* u_rm = c_user->add_subcommand("remove", "Remove an account and all its mail");
  data_opt(u_rm);
  u_rm->add_option("address", name, "Full address")->required();
  u_rm->callback([&] { rc = cmd_user_remove(data_dir, name); });
  auto* u_quota = c_user->add_subcommand("quota", "Set an account's quota");
  data_opt(u_quota);
  u_quota->add_option("address", name, "Full address")->required();
  u_quota->add_option("quota", quota, "e.g. 10G, 500M; 0 = unlimited")->required();
  u_quota->callback([&] { rc = cmd_user_quota(data_dir, name, quota); });

  auto* c_alias = app.add_subcommand("alias", "Manage aliases (SOURCE → one or more addresses; @domain = catch-all)");
  c_alias->require_subcommand(1);
  auto* a_add = c_alias->add_subcommand("add", "Add an alias");
  data_opt(a_add);
  a_add->add_option("source", name, "alias@domain, or @domain for a catch-all")->required();
  a_add->add_option("targets", targets, "Target addresses")->required();
  a_add->callback([&] { rc = cmd_alias_add(data_dir, name, targets); });
  auto* a_list = c_alias->add_subcommand("list", "List aliases");
  data_opt(a_list);
  a_list->add_option("domain", domain_filter, "Only this domain");
  a_list->callback([&] { rc = cmd_alias_list(data_dir, domain_filter); });
  auto* a_rm = c_alias->add_subcommand("remove", "Remove an alias");
  data_opt(a_rm);
  a_rm->add_option("source", name, "Alias source")->required();
  a_rm->callback([&] { rc = cmd_alias_remove(data_dir, name); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "postamt: %s\n", e.what());
    return 1;
  }
  return rc;
}
