// `postamt serve`: wires the store, TLS, listeners and sessions into one process
// (DESIGN §2). SIGTERM/SIGINT drain and exit 0; SIGHUP reloads certificates and
// reloadable settings. The only place that knows the concrete store backend.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#ifdef POSTAMT_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/commands.h"
#include "app/config.h"
#include "auth/login_throttle.h"
#include "auth/random.h"
#include "net/listener.h"
#include "net/runtime.h"
#include "net/tls.h"
#include "imap/imap_server.h"
#include "pop3/pop3_server.h"
#include "smtp/smtp_server.h"
#include "store/sqlite/sqlite_store.h"

namespace postamt::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr auto kDrainLimit = std::chrono::seconds(20);

smtp::Settings smtp_settings(const Config& c) {
  smtp::Settings s;
  s.hostname = c.hostname;
  s.max_message_size = c.smtp_max_message_size;
  s.max_recipients = c.smtp_max_recipients;
  s.max_command_line = c.smtp_max_command_line;
  s.max_errors = c.smtp_max_errors;
  s.command_timeout = std::chrono::seconds(c.smtp_command_timeout);
  s.data_timeout = std::chrono::seconds(c.smtp_data_timeout);
  s.normalize_bare_line_endings = c.smtp_bare_line_endings == "normalize";
  s.allow_plaintext_auth_loopback = c.allow_plaintext_loopback;
  return s;
}

pop3::Settings pop3_settings(const Config& c) {
  pop3::Settings s;
  s.hostname = c.hostname;
  s.idle_timeout = std::chrono::seconds(c.pop3_idle_timeout);
  s.max_errors = c.pop3_max_errors;
  s.allow_plaintext_auth_loopback = c.allow_plaintext_loopback;
  return s;
}

imap::Settings imap_settings(const Config& c) {
  imap::Settings s;
  s.hostname = c.hostname;
  s.idle_timeout = std::chrono::seconds(c.imap_idle_timeout);
  s.max_errors = c.imap_max_errors;
  s.max_message_size = c.smtp_max_message_size;
  s.sessions_per_user = c.imap_sessions_per_user;
  s.allow_plaintext_auth_loopback = c.allow_plaintext_loopback;
  return s;
}

std::optional<Config> load_valid(const std::string& data_dir) {
  auto loaded = load_config(data_dir);
  if (!loaded) {
    spdlog::error("{}", loaded.error().message);
    return std::nullopt;
  }
  for (const auto& p : loaded->problems)
    spdlog::error("{}:{}:{}: {}", config_path(data_dir), p.line, p.column, p.message);
  if (!loaded->problems.empty()) return std::nullopt;
  return loaded->config;
}

std::string read_secret(const std::string& data_dir) {
  std::ifstream in(fs::path(data_dir) / "secret");
  std::string s;
  std::getline(in, s);
  // An instance without a secret file still works; fake SCRAM salts then change
  // with every restart, which only weakens (not breaks) enumeration resistance.
  return s.empty() ? auth::random_token(48) : s;
}

bool drop_privileges(const std::string& user) {
  if (user.empty() || geteuid() != 0) return true;
  passwd* pw = getpwnam(user.c_str());
  if (!pw) {
    spdlog::critical("user '{}' does not exist", user);
    return false;
  }
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    spdlog::critical("cannot drop privileges to '{}'", user);
    return false;
  }
  return true;
}

void print_settings(const Config& c) {
  const std::string& h = c.hostname;
  auto row = [](const char* what, const std::string& host, unsigned port, const char* sec) {
    if (port) std::printf("  %-22s %-24s %-6u %s\n", what, host.c_str(), port, sec);
  };
  std::printf("Client settings (username = full email address, password authentication):\n");
  std::printf("  %-22s %-24s %-6s %s\n", "", "server", "port", "security");
  row("Incoming IMAP", h, c.ports.imaps, "SSL/TLS");
  row("Incoming IMAP", h, c.ports.imap, "STARTTLS");
  row("Incoming POP3", h, c.ports.pop3s, "SSL/TLS");
  row("Incoming POP3", h, c.ports.pop3, "STARTTLS");
  row("Outgoing SMTP", h, c.ports.submissions, "SSL/TLS (auth required)");
  row("Outgoing SMTP", h, c.ports.submission, "STARTTLS (auth required)");
  row("Inbound MX (servers)", h, c.ports.smtp, "STARTTLS optional");
  std::fflush(stdout);
}

}  // namespace

int cmd_serve(const std::string& data_dir) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("postamt", sink);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);

  auto cfg = load_valid(data_dir);
  if (!cfg) return 2;
  Config config = *cfg;
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  store::SqliteOptions so;
  so.data_dir = data_dir;
  auto opened = store::open_sqlite_store(so);
  if (!opened) {
    spdlog::critical("cannot open store: {}", opened.error().describe());
    return 1;
  }
  std::unique_ptr<store::Store> st = std::move(*opened);

  auto tls = net::TlsContexts::load(net::TlsFiles{config.path(config.tls_cert), config.path(config.tls_key)});
  if (!tls) {
    spdlog::critical("{}", tls.error().message);
    return 2;
  }

  unsigned io_threads = config.io_threads ? config.io_threads : std::max(1u, std::thread::hardware_concurrency());
  // Before the runtime: workers may publish changes until the runtime has joined them.
  imap::Notifier notifier(*st);
  net::Runtime rt(io_threads, config.worker_threads);
  net::SessionRegistry registry;
  auth::LoginThrottle throttle;
  pop3::MaildropLocks locks;
  std::string secret = read_secret(data_dir);

  // Services hold a Snapshot (mutex inside): constructed in place, never moved.
  std::shared_ptr<smtp::Services> smtp_services(
      new smtp::Services{*st, rt, registry, *tls, throttle, secret, Snapshot<smtp::Settings>(smtp_settings(config))});
  std::shared_ptr<pop3::Services> pop3_services(new pop3::Services{
      *st, rt, registry, *tls, throttle, locks, secret, Snapshot<pop3::Settings>(pop3_settings(config))});

  imap::UserSessions imap_users;
  std::shared_ptr<imap::Services> imap_services(new imap::Services{
      *st, rt, registry, *tls, throttle, notifier, imap_users, secret, Snapshot<imap::Settings>(imap_settings(config))});

  std::vector<std::shared_ptr<net::Listener>> listeners;
  auto add = [&](const char* name, uint16_t port, std::string refusal, net::SessionFn fn) -> bool {
    if (port == 0) return true;
    for (const auto& addr : config.bind) {
      boost::system::error_code ec;
      auto ip = asio::ip::make_address(addr, ec);
      if (ec) {
        spdlog::critical("invalid bind address '{}'", addr);
        return false;
      }
      net::ListenerSpec spec{name, asio::ip::tcp::endpoint(ip, port), refusal, config.sessions_per_ip,
                             config.max_sessions};
      auto l = net::Listener::bind(rt, spec, registry, fn);
      if (!l) {
        spdlog::critical("{}", l.error().message);
        return false;
      }
      listeners.push_back(*l);
    }
    return true;
  };
  auto smtp_fn = [smtp_services](smtp::Mode mode) -> net::SessionFn {
    return [smtp_services, mode](std::shared_ptr<net::TcpStream> s, std::shared_ptr<net::SessionHandle> h) {
      return smtp::run_session(std::move(s), std::move(h), mode, smtp_services);
    };
  };
  auto pop3_fn = [pop3_services](pop3::Mode mode) -> net::SessionFn {
    return [pop3_services, mode](std::shared_ptr<net::TcpStream> s, std::shared_ptr<net::SessionHandle> h) {
      return pop3::run_session(std::move(s), std::move(h), mode, pop3_services);
    };
  };
  auto imap_fn = [imap_services](imap::Mode mode) -> net::SessionFn {
    return [imap_services, mode](std::shared_ptr<net::TcpStream> s, std::shared_ptr<net::SessionHandle> h) {
      return imap::run_session(std::move(s), std::move(h), mode, imap_services);
    };
  };
  const std::string imap_busy = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";
  const std::string smtp_busy = "421 4.7.0 Too many connections, try again later\r\n";
  const std::string pop3_busy = "-ERR [SYS/TEMP] Too many connections, try again later\r\n";
  bool ok = add("smtp", config.ports.smtp, smtp_busy, smtp_fn(smtp::Mode::mx)) &&
            add("submission", config.ports.submission, smtp_busy, smtp_fn(smtp::Mode::submission)) &&
            add("submissions", config.ports.submissions, smtp_busy, smtp_fn(smtp::Mode::submissions)) &&
            add("pop3", config.ports.pop3, pop3_busy, pop3_fn(pop3::Mode::plain)) &&
            add("pop3s", config.ports.pop3s, pop3_busy, pop3_fn(pop3::Mode::tls)) &&
            add("imap", config.ports.imap, imap_busy, imap_fn(imap::Mode::plain)) &&
            add("imaps", config.ports.imaps, imap_busy, imap_fn(imap::Mode::tls));
  if (!ok) return 1;
  if (!drop_privileges(config.user)) return 1;

  // Signals are handled on the main context; the handlers only touch thread-safe state.
  asio::signal_set signals(rt.main_context(), SIGTERM, SIGINT, SIGHUP);
  asio::steady_timer drain_timer(rt.main_context());
  auto drain_deadline = std::chrono::steady_clock::now();
  std::function<void()> poll_drain = [&]() {
    registry.drain();  // closes sessions that became idle since the last poll
    if (registry.active() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
      if (registry.active() != 0) spdlog::warn("drain limit reached, {} sessions cut", registry.active());
      rt.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(100));
    drain_timer.async_wait([&](const boost::system::error_code&) { poll_drain(); });
  };
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                               int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading");
      if (auto fresh = load_valid(data_dir)) {
        spdlog::set_level(spdlog::level::from_str(fresh->log_level));
        smtp_services->settings.set(smtp_settings(*fresh));
        pop3_services->settings.set(pop3_settings(*fresh));
        imap_services->settings.set(imap_settings(*fresh));
        for (auto& l : listeners) l->set_limits(fresh->sessions_per_ip, fresh->max_sessions);
        config = *fresh;
      } else {
        spdlog::error("configuration invalid; keeping the old settings");
      }
      auto r = (*tls)->reload();
      if (r)
        spdlog::info("TLS certificates reloaded");
      else
        spdlog::error("TLS reload failed, keeping the old certificates: {}", r.error().message);
      signals.async_wait(on_signal);
      return;
    }
    spdlog::info("{}: stopping, draining {} sessions", sig == SIGTERM ? "SIGTERM" : "SIGINT", registry.active());
    for (auto& l : listeners) l->stop();
    drain_deadline = std::chrono::steady_clock::now() + kDrainLimit;
    poll_drain();
  };
  signals.async_wait(on_signal);

  for (auto& l : listeners) l->start();
  spdlog::info("postamt serving {} on {} ({} io threads)", config.hostname, config.bind.front(), io_threads);
  print_settings(config);
#ifdef POSTAMT_HAVE_SYSTEMD
  sd_notify(0, "READY=1");
#endif
  rt.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace postamt::app
