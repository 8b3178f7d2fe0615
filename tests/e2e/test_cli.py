"""Admin CLI (DESIGN §10): init/check/user/domain/alias, while the server runs
too; bad usage exits 2 without a stack trace; every --help exits 0; `serve`
prints client settings, refuses a bad config, and exits 0 on SIGTERM."""

import poplib
import re
import time
import signal
import socket
import subprocess

import pytest

from conftest import (HOST, IO_TIMEOUT, POSTAMT_BIN, LineReader, Server, module_server, run_cli,
                      split_trace, token)

SUBCOMMANDS = [[], ["init"], ["serve"], ["check"], ["domain"], ["domain", "add"], ["domain", "list"],
               ["domain", "remove"], ["user"], ["user", "add"], ["user", "passwd"], ["user", "list"],
               ["user", "remove"], ["user", "quota"], ["alias"], ["alias", "add"], ["alias", "list"],
               ["alias", "remove"]]

CRASH_MARKERS = ("terminate called", "Aborted", "what():", "Segmentation", "core dumped", "Traceback")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = module_server(tmp_path_factory, "cli")
    yield s
    s.finish()


def assert_clean_error(p, code=2):
    out = p.stdout + p.stderr
    assert p.returncode == code, f"exit {p.returncode}, expected {code}: {out}"
    assert p.stderr.strip(), "no error message on stderr"
    for m in CRASH_MARKERS:
        assert m not in out, out


def can_receive(srv, address):
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    r = c.cmd(f"RCPT TO:<{address}>")
    c.quit()
    return r


# ---- help / usage ---------------------------------------------------------------------

@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=lambda s: " ".join(s) or "top")
def test_help_exits_0(sub):
    p = run_cli(*sub, "--help")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "--help" in p.stdout or "Usage" in p.stdout or "usage" in p.stdout.lower(), p.stdout


def test_version():
    p = run_cli("--version")
    assert p.returncode == 0
    assert "postamt" in p.stdout.lower()


@pytest.mark.parametrize("args", [
    [],
    ["frobnicate"],
    ["user"],
    ["user", "add"],
    ["user", "frob", "--data", "/nonexistent"],
    ["init", "--domain", "example.test"],
    ["init", "--data", "/tmp/x", "--domain", "example.test", "--port-base", "999999"],
    ["init", "--data", "/tmp/x", "--domain", "example.test", "--port-base", "abc"],
    ["serve", "--data", "/tmp/x", "--bogus-flag"],
    ["alias", "add", "--data", "/tmp/x", "only-source@example.test"],
], ids=lambda a: " ".join(a) or "none")
def test_bad_usage_exits_2(args):
    assert_clean_error(run_cli(*args))


def test_bad_values_exit_2(srv):
    d = srv.data
    assert_clean_error(run_cli("user", "add", "--data", d, "not-an-address", "--password-stdin", stdin="pw\n"))
    assert_clean_error(run_cli("user", "add", "--data", d, "x@example.test", "--password-stdin", "--quota", "lots",
                               stdin="pw\n"))
    assert_clean_error(run_cli("user", "quota", "--data", d, "alice@example.test", "-5"))
    assert_clean_error(run_cli("domain", "add", "--data", d, "not a domain"))
    assert_clean_error(run_cli("alias", "add", "--data", d, "bad source", "alice@example.test"))
    assert_clean_error(run_cli("alias", "add", "--data", d, "x@example.test", "bad target"))
    assert_clean_error(run_cli("init", "--data", srv.root / "new1", "--domain", "no spaces.test"))


@pytest.mark.parametrize("domain", ["-bad-.test", "bad-.test", "a..b.test", "x" * 64 + ".test"])
def test_init_rejects_invalid_domain(tmp_path, domain):
    # RFC 1035 §2.3.1 / RFC 1123 §2.1: labels start and end with a letter or digit, ≤ 63 octets
    p = run_cli("init", "--data", tmp_path / "d", "--domain", domain)
    assert_clean_error(p)
    assert not (tmp_path / "d" / "postamt.toml").exists()


@pytest.mark.parametrize("domain", ["bad-.test", "a..b.test"])
def test_domain_add_rejects_invalid_domain(srv, domain):
    assert_clean_error(run_cli("domain", "add", "--data", srv.data, domain))


def test_user_add_without_password_source_fails_cleanly(srv):
    p = run_cli("user", "add", "--data", srv.data, "nopw@example.test")  # stdin is not a terminal
    assert p.returncode != 0
    for m in CRASH_MARKERS:
        assert m not in p.stdout + p.stderr
    assert "nopw@example.test" not in run_cli("user", "list", "--data", srv.data).stdout


def test_commands_on_missing_instance(tmp_path):
    p = run_cli("user", "list", "--data", tmp_path / "none")
    assert p.returncode != 0 and p.stderr.strip()
    for m in CRASH_MARKERS:
        assert m not in p.stderr


# ---- init / check ----------------------------------------------------------------------

def test_init_layout_and_refuses_existing(tmp_path):
    s = Server(tmp_path, users=())
    for f in ("postamt.toml", "tls/cert.pem", "db", "secret"):
        assert (s.data / f).exists(), f
    cert = subprocess.run(["openssl", "x509", "-in", s.cafile, "-noout", "-text"], capture_output=True, text=True)
    assert "DNS:localhost" in cert.stdout, cert.stdout
    before = (s.data / "postamt.toml").read_bytes()
    p = run_cli("init", "--data", s.data, "--domain", "other.test", "--hostname", "localhost", "--bind", HOST,
                "--port-base", s.base)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.strip()
    assert (s.data / "postamt.toml").read_bytes() == before
    assert "other.test" not in run_cli("domain", "list", "--data", s.data).stdout
    assert run_cli("check", "--data", s.data).returncode == 0
    # the ports of --port-base are in the config
    text = before.decode()
    for name, port in s.ports.items():
        assert re.search(rf"(?m)^{name}\s*=\s*{port}\b", text), (name, port)


def test_check_reports_line_and_column(tmp_path):
    s = Server(tmp_path, users=())
    cfg = s.data / "postamt.toml"
    assert run_cli("check", "--data", s.data).returncode == 0
    lines = cfg.read_text().splitlines()
    smtp_idx = lines.index("[smtp]")
    # an unknown key, indented, right after [smtp]
    lines.insert(smtp_idx + 1, "  bogus_key = 1")
    unknown_line = smtp_idx + 2
    # a wrong type for a known key
    i = next(i for i, l in enumerate(lines) if l.startswith("max_errors"))
    lines[i] = 'max_errors = "ten"'
    type_line = i + 1
    cfg.write_text("\n".join(lines) + "\n")
    p = run_cli("check", "--data", s.data)
    assert p.returncode == 2, p.stdout + p.stderr
    problems = re.findall(r"(?m)^(.*postamt\.toml):(\d+):(\d+): (.+)$", p.stderr)
    assert len(problems) == 2, p.stderr
    by_line = {int(l): (int(c), msg) for _, l, c, msg in problems}
    assert unknown_line in by_line, (unknown_line, p.stderr)
    col, msg = by_line[unknown_line]
    assert "bogus_key" in msg, msg
    assert col == 3, f"unknown key reported at column {col}, the key starts at column 3: {p.stderr}"
    assert type_line in by_line, (type_line, p.stderr)
    col, msg = by_line[type_line]
    assert "max_errors" in msg, msg
    assert col in (1, 14), p.stderr  # the key or the value
    # serve refuses the invalid configuration with the same report
    sp = subprocess.run([POSTAMT_BIN, "serve", "--data", str(s.data)], capture_output=True, text=True, timeout=30)
    assert sp.returncode == 2, sp.stderr
    assert f":{unknown_line}:" in sp.stderr


def test_check_toml_syntax_error(tmp_path):
    s = Server(tmp_path, users=())
    cfg = s.data / "postamt.toml"
    cfg.write_text(cfg.read_text() + "\n[smtp\nmax_errors = \n")
    p = run_cli("check", "--data", s.data)
    assert_clean_error(p)
    assert re.search(r"postamt\.toml:\d+:\d+: ", p.stderr), p.stderr


@pytest.mark.parametrize("key,value", [("smtp.max_recipients", 99), ("smtp.data_timeout", 5),
                                       ("smtp.bare_line_endings", "maybe"), ("auth.allow_plaintext_loopback", 1),
                                       ("nosuchsection.key", 1),
                                       ("imap.idle_timeout", 1799),  # RFC 9051 §5.4: autologout >= 30 min
                                       ("imap.sessions_per_user", 0)])
def test_check_rejects_bad_values(tmp_path, key, value):
    s = Server(tmp_path, overrides={key: value}, users=())
    p = run_cli("check", "--data", s.data)
    assert p.returncode == 2, p.stdout + p.stderr
    assert re.search(r"postamt\.toml:\d+:\d+: ", p.stderr), p.stderr


# ---- accounts while the server runs ----------------------------------------------------------

def test_user_add_while_serving_then_deliver(srv):
    addr, pw = srv.add_user("late")
    tok = token()
    assert srv.deliver(addr, f"Subject: {tok}\r\n\r\nhi\r\n".encode()).code == 250
    msgs = srv.pop3_messages("late")
    assert len(msgs) == 1 and tok.encode() in msgs[0]
    assert "late@example.test" in run_cli("user", "list", "--data", srv.data, check=True).stdout


def test_user_add_duplicate_fails(srv):
    p = run_cli("user", "add", "--data", srv.data, "alice@example.test", "--password-stdin", stdin="x\n")
    assert p.returncode != 0
    assert p.stderr.strip()


def test_domain_add_while_serving(srv):
    r = can_receive(srv, "someone@neu.test")
    assert r.code == 554, r  # not local yet: relay denied
    run_cli("domain", "add", "--data", srv.data, "neu.test", check=True)
    assert "neu.test" in run_cli("domain", "list", "--data", srv.data, check=True).stdout.split()
    srv.add_user("someone@neu.test")
    assert can_receive(srv, "someone@neu.test").code == 250
    assert can_receive(srv, "other@neu.test").code == 550
    tok = token()
    assert srv.deliver("someone@neu.test", f"Subject: {tok}\r\n\r\nx\r\n".encode()).code == 250
    assert tok.encode() in srv.pop3_messages("someone@neu.test")[0]
    # a domain with accounts cannot be removed
    p = run_cli("domain", "remove", "--data", srv.data, "neu.test")
    assert p.returncode != 0, p.stdout


def test_domain_remove_while_serving(srv):
    run_cli("domain", "add", "--data", srv.data, "gone.test", check=True)
    run_cli("alias", "add", "--data", srv.data, "x@gone.test", "alice@example.test", check=True)
    assert can_receive(srv, "x@gone.test").code == 250
    run_cli("alias", "remove", "--data", srv.data, "x@gone.test", check=True)
    run_cli("domain", "remove", "--data", srv.data, "gone.test", check=True)
    assert "gone.test" not in run_cli("domain", "list", "--data", srv.data).stdout
    assert can_receive(srv, "x@gone.test").code == 554


def test_alias_add_remove_while_serving(srv):
    assert can_receive(srv, "sales@example.test").code == 550
    run_cli("alias", "add", "--data", srv.data, "sales@example.test", "alice@example.test", "bob@example.test",
            check=True)
    listing = run_cli("alias", "list", "--data", srv.data, check=True).stdout
    assert "sales@example.test" in listing
    tok = token()
    assert srv.deliver("sales@example.test", f"Subject: {tok}\r\n\r\nx\r\n".encode()).code == 250
    for user in ("alice", "bob"):
        msgs = [m for m in srv.pop3_messages(user) if tok.encode() in m]
        assert len(msgs) == 1, user
        assert split_trace(msgs[0])[1] == "sales@example.test"
    run_cli("alias", "remove", "--data", srv.data, "sales@example.test", check=True)
    assert can_receive(srv, "sales@example.test").code == 550


def test_catch_all_alias(srv):
    run_cli("domain", "add", "--data", srv.data, "catch.test", check=True)
    run_cli("alias", "add", "--data", srv.data, "@catch.test", "bob@example.test", check=True)
    tok = token()
    assert srv.deliver("anything.at.all@catch.test", f"Subject: {tok}\r\n\r\nx\r\n".encode()).code == 250
    assert any(tok.encode() in m for m in srv.pop3_messages("bob"))


def test_user_passwd_while_serving(srv):
    addr, old = srv.add_user("pwchange")
    run_cli("user", "passwd", "--data", srv.data, addr, "--password-stdin", stdin="N3w-secret\n", check=True)
    p = srv.pop3(tls="pop3s")
    p.user(addr)
    assert p.pass_("N3w-secret").startswith(b"+OK")
    p.quit()
    p = srv.pop3(tls="pop3s")
    p.user(addr)
    with pytest.raises(poplib.error_proto):
        p.pass_(old)
    p.quit()


def test_user_remove_while_serving(srv):
    addr, _ = srv.add_user("leaving")
    assert srv.deliver(addr, b"Subject: bye\r\n\r\nx\r\n").code == 250
    run_cli("user", "remove", "--data", srv.data, addr, check=True)
    assert can_receive(srv, addr).code == 550
    assert "leaving@" not in run_cli("user", "list", "--data", srv.data).stdout
    p = run_cli("user", "remove", "--data", srv.data, addr)
    assert p.returncode != 0


def test_user_quota(srv):
    addr, _ = srv.add_user("small", quota="1M")
    assert re.search(r"small@example\.test\s.*quota=1M", run_cli("user", "list", "--data", srv.data).stdout)
    blob = ("y" * 998 + "\r\n") * 400  # ~400 KB
    refused = None
    for i in range(5):
        c = srv.smtp()
        assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
        r = c.cmd(f"RCPT TO:<{addr}>")
        if r.code == 250:
            r = c.data(f"Subject: q{i}\r\n\r\n{blob}".encode())
        c.quit()
        if r.code != 250:
            refused = (i, r)
            break
    assert refused is not None, "quota of 1M never enforced"
    i, r = refused
    assert i <= 3, refused
    assert r.code in (452, 552) and r.enhanced in ("4.2.2", "5.2.2"), r
    assert srv.pop3_count("small") == i
    run_cli("user", "quota", "--data", srv.data, addr, "0", check=True)
    assert can_receive(srv, addr).code == 250


# ---- serve -------------------------------------------------------------------------------------

def test_serve_prints_client_settings(srv):
    out = srv.stdout()
    assert out.strip(), "no client-settings table on stdout"
    for name in ("pop3", "pop3s", "submission", "submissions"):
        assert str(srv.ports[name]) in out, (name, out)


def test_sigterm_with_idle_sessions_exits_0(make_server):
    srv = make_server()
    smtp = srv.smtp()
    pop = socket.create_connection((HOST, srv.ports["pop3"]), timeout=IO_TIMEOUT)
    prd = LineReader(pop)
    assert prd.readline().startswith(b"+OK")
    srv.proc.send_signal(signal.SIGTERM)
    rc = srv.proc.wait(timeout=40)
    assert rc == 0, srv.log_tail()
    # idle sessions were told or simply closed
    rest = smtp.reader.read_all_until_close(timeout=5)
    assert rest == b"" or rest.startswith(b"421"), rest
    rest = prd.read_all_until_close(timeout=5)
    assert rest == b"" or rest.startswith(b"-ERR"), rest
    smtp.close()
    pop.close()
    srv.killed = True  # already stopped


def test_sigterm_lets_transaction_finish(make_server):
    srv = make_server()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.cmd("DATA").code == 354
    c.send(b"Subject: drain\r\n\r\npart one\r\n")
    srv.proc.send_signal(signal.SIGTERM)
    c.send(b"part two\r\n.\r\n")
    r = c.reply()
    assert r.code == 250, r  # an active transaction is drained, not cut
    rc = srv.proc.wait(timeout=40)
    assert rc == 0, srv.log_tail()
    c.close()
    srv.killed = True
    # the message is there after a restart
    srv.start()
    msgs = srv.pop3_messages("bob")
    assert len(msgs) == 1 and b"part two" in msgs[0]


def test_log_lines_have_session_ids(srv):
    c = srv.smtp()
    c.quit()
    p = srv.pop3("alice")
    p.quit()
    log = srv.log().splitlines()
    sessions = [l for l in log if "connect rip=" in l]
    assert sessions, log[-20:]
    for line in sessions:
        assert re.search(r"\b(smtp|pop3|imap)\[[^\]\s]+\]", line), line


def test_sigterm_during_pop3_transaction_deletes_nothing(make_server):
    srv = make_server()
    assert srv.deliver("bob", b"Subject: keep me\r\n\r\nx\r\n").code == 250
    p = srv.pop3("bob")
    p.dele(1)
    srv.proc.send_signal(signal.SIGTERM)
    rc = srv.proc.wait(timeout=40)
    assert rc == 0, srv.log_tail()
    try:
        p.quit()  # too late: the server is gone; RFC 1939 §6 UPDATE never happened
    except (poplib.error_proto, OSError, EOFError):
        pass
    srv.killed = True
    srv.start()
    assert srv.pop3_count("bob") == 1


def test_sighup_reloads_settings(make_server):
    srv = make_server()
    c = srv.smtp()
    assert c.extensions()["SIZE"] == str(50 * 1024 * 1024)
    c.quit()
    srv.set_config({"smtp.max_message_size": 200000})
    srv.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        c = srv.smtp()
        size = c.extensions()["SIZE"]
        c.quit()
        if size == "200000":
            break
        time.sleep(0.05)
    assert size == "200000", "SIGHUP did not reload smtp.max_message_size"
    # an invalid config on SIGHUP keeps the old settings and the server running
    srv.set_config({"smtp.max_message_size": "big"})
    srv.proc.send_signal(signal.SIGHUP)
    c = srv.smtp()
    assert c.extensions()["SIZE"] == "200000"
    c.quit()
    assert srv.alive()
    srv.set_config({"smtp.max_message_size": 200000})


def test_admin_commands_during_deliveries(make_server):
    """The CLI writes the same SQLite store as the running server: neither side
    may fail with 'database is locked' under concurrent writes."""
    import threading
    srv = make_server()
    stop = threading.Event()
    results, errors = [], []

    def sender():
        try:
            while not stop.is_set():
                c = srv.smtp()
                for _ in range(20):
                    r1, r2 = c.cmd("MAIL FROM:<x@sender.test>"), c.cmd("RCPT TO:<bob@example.test>")
                    assert (r1.code, r2.code) == (250, 250), (r1, r2)
                    results.append(c.data(b"Subject: concurrent\r\n\r\n" + b"z" * 5000 + b"\r\n").code)
                c.quit()
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(8):
            p = run_cli("user", "add", "--data", srv.data, f"busy{i}@example.test", "--password-stdin", stdin="pw12345\n")
            assert p.returncode == 0, p.stderr
            p = run_cli("alias", "add", "--data", srv.data, f"busyalias{i}@example.test", "bob@example.test")
            assert p.returncode == 0, p.stderr
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors
    assert results and all(code == 250 for code in results), sorted(set(results))
    assert can_receive(srv, "busyalias7@example.test").code == 250
    assert srv.pop3_count("bob") == len(results)
