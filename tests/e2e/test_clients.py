"""Real clients nobody here wrote: swaks (SMTP: plain, STARTTLS+AUTH on 587,
implicit TLS on 465, pipelining) and fetchmail (POP3 over TLS and STLS, UIDL
tracking with --keep, deletion without it)."""

import getpass
import os
import shutil
import stat
import subprocess

import pytest

from conftest import module_server, split_trace, token


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = module_server(tmp_path_factory, "clients", users=["alice", "bob", "fetch1", "fetch2"])
    yield s
    s.finish()


def messages_with(srv, user, tok):
    return [m for m in srv.pop3_messages(user) if tok.encode() in m]


# ---- swaks ------------------------------------------------------------------------------

def swaks(srv, port_name, *args):
    exe = shutil.which("swaks")
    assert exe, "swaks is not installed (apt-get install swaks)"
    cmd = [exe, "--server", "127.0.0.1", "--port", str(srv.ports[port_name]), "--helo", "client.test",
           "--timeout", "30", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    return p


def swaks_tls_supported():
    p = subprocess.run(["swaks", "--support"], capture_output=True, text=True)
    return "TLS supported" in (p.stdout + p.stderr)


def need_swaks_tls():
    assert swaks_tls_supported(), ("swaks has no TLS support: install libnet-ssleay-perl "
                                   "(swaks only recommends it; setup.sh must list it)")


def test_swaks_mx_plain(srv):
    tok = token()
    p = swaks(srv, "smtp", "--from", "sender@sender.test", "--to", "bob@example.test",
              "--header", f"Subject: swaks {tok}", "--body", f"body {tok}")
    assert p.returncode == 0, p.stdout + p.stderr
    (m,) = messages_with(srv, "bob", tok)
    rp, dt, _, body = split_trace(m)
    assert rp == "sender@sender.test" and dt == "bob@example.test"
    assert f"body {tok}".encode() in body


def test_swaks_mx_pipelining(srv):
    tok = token()
    p = swaks(srv, "smtp", "--pipeline", "--from", "sender@sender.test", "--to", "bob@example.test,alice@example.test",
              "--header", f"Subject: swaks {tok}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(messages_with(srv, "bob", tok)) == 1
    assert len(messages_with(srv, "alice", tok)) == 1


def test_swaks_mx_unknown_recipient_fails(srv):
    p = swaks(srv, "smtp", "--from", "sender@sender.test", "--to", "nobody@example.test")
    assert p.returncode != 0
    assert "550" in p.stdout + p.stderr


def test_swaks_mx_starttls(srv):
    need_swaks_tls()
    tok = token()
    p = swaks(srv, "smtp", "--tls", "--from", "sender@sender.test", "--to", "bob@example.test",
              "--header", f"Subject: swaks {tok}")
    assert p.returncode == 0, p.stdout + p.stderr
    (m,) = messages_with(srv, "bob", tok)
    assert b"ESMTPS" in split_trace(m)[2]


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_swaks_submission_starttls_auth(srv, mech):
    need_swaks_tls()
    tok = token()
    p = swaks(srv, "submission", "--tls", "--auth", mech, "--auth-user", "alice@example.test",
              "--auth-password", srv.pw("alice"), "--from", "alice@example.test", "--to", "bob@example.test",
              "--header", f"Subject: swaks {tok}")
    assert p.returncode == 0, p.stdout + p.stderr
    (m,) = messages_with(srv, "bob", tok)
    rp, _, received, _ = split_trace(m)
    assert rp == "alice@example.test"
    assert b"ESMTPSA" in received


def test_swaks_submissions_implicit_tls(srv):
    need_swaks_tls()
    tok = token()
    p = swaks(srv, "submissions", "--tlsc", "--auth", "PLAIN", "--auth-user", "bob@example.test",
              "--auth-password", srv.pw("bob"), "--from", "bob@example.test", "--to", "alice@example.test",
              "--header", f"Subject: swaks {tok}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(messages_with(srv, "alice", tok)) == 1


def test_swaks_submission_without_auth_refused(srv):
    need_swaks_tls()
    p = swaks(srv, "submission", "--tls", "--from", "alice@example.test", "--to", "bob@example.test")
    assert p.returncode != 0
    assert "530" in p.stdout + p.stderr


def test_swaks_submission_auth_without_tls_refused(srv):
    p = swaks(srv, "submission", "--auth", "PLAIN", "--auth-user", "alice@example.test",
              "--auth-password", srv.pw("alice"), "--from", "alice@example.test", "--to", "bob@example.test")
    assert p.returncode != 0, p.stdout  # AUTH is not advertised/allowed before TLS


# ---- fetchmail ------------------------------------------------------------------------------

class Fetchmail:
    def __init__(self, srv, tmp_path, user, mode):
        self.srv = srv
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.out = tmp_path / "mail"
        self.out.mkdir()
        self.idfile = tmp_path / "fetchids"
        mda = tmp_path / "mda.sh"
        mda.write_text(f'#!/bin/sh\nf=$(mktemp "{self.out}/msg.XXXXXX") || exit 75\ncat > "$f" || exit 75\n')
        mda.chmod(0o755)
        if mode == "pop3s":
            port, tls = srv.ports["pop3s"], "ssl"
        else:  # STLS on 110
            port, tls = srv.ports["pop3"], "sslproto 'tls1.2+'"
        self.rc = tmp_path / "fetchmailrc"
        self.rc.write_text(
            "set no syslog\n"
            f"poll localhost protocol POP3 port {port} uidl timeout 30\n"
            f"  user '{user}@example.test' there with password '{srv.pw(user)}' is '{getpass.getuser()}' here\n"
            f"  {tls} sslcertck sslcertfile '{srv.cafile}'\n"
            f"  mda '{mda}'\n")
        self.rc.chmod(stat.S_IRUSR | stat.S_IWUSR)

    def run(self, *args):
        exe = shutil.which("fetchmail")
        assert exe, "fetchmail is not installed"
        env = dict(os.environ, HOME=str(self.home))
        env.pop("FETCHMAILUSER", None)
        env.pop("FETCHMAILHOME", None)
        p = subprocess.run([exe, "-f", str(self.rc), "--idfile", str(self.idfile), "--nodetach", "-v", *args],
                           capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
        return p

    def files(self):
        return {f.name: f.read_bytes() for f in self.out.iterdir()}


@pytest.mark.parametrize("mode,user", [("pop3s", "fetch1"), ("stls", "fetch2")])
def test_fetchmail_keep_uidl_then_delete(srv, tmp_path, mode, user):
    sent = {}
    for _ in range(3):
        tok = token()
        content = (f"From: <sender@sender.test>\r\nTo: <{user}@example.test>\r\nSubject: fm {tok}\r\n"
                   f"Message-ID: <{tok}@client.test>\r\n\r\nbody {tok}\r\n.dot line\r\n").encode()
        assert srv.deliver(user, content).code == 250
        sent[tok] = content
    fm = Fetchmail(srv, tmp_path, user, mode)

    # 1) --keep: everything is fetched, nothing is deleted
    p = fm.run("--keep")
    assert p.returncode == 0, p.stdout + p.stderr
    files = fm.files()
    assert len(files) == 3, (files.keys(), p.stderr)
    for tok, content in sent.items():
        matching = [b for b in files.values() if tok.encode() in b]
        assert len(matching) == 1, tok
        # fetchmail hands the message to the MDA with LF line endings
        assert content.replace(b"\r\n", b"\n") in matching[0].replace(b"\r\n", b"\n")
    assert srv.pop3_count(user) == 3

    # 2) --keep again: UIDL tracking means nothing new (exit 1 = no mail)
    p = fm.run("--keep")
    assert p.returncode == 1, p.stdout + p.stderr
    assert len(fm.files()) == 3
    assert srv.pop3_count(user) == 3

    # 3) one new message: only it is fetched
    tok = token()
    assert srv.deliver(user, f"Subject: fm new {tok}\r\n\r\nnew {tok}\r\n".encode()).code == 250
    p = fm.run("--keep")
    assert p.returncode == 0, p.stdout + p.stderr
    files = fm.files()
    assert len(files) == 4
    assert sum(tok.encode() in b for b in files.values()) == 1

    # 4) without --keep (and --all, since all are old now): fetched and deleted on the server
    p = fm.run("--all")
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(fm.files()) == 8
    assert srv.pop3_count(user) == 0
