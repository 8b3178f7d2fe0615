"""End-to-end test harness for `postamt serve`.

The `Server` helper creates a throwaway instance (`postamt init`) in a temp
directory on free loopback ports, adds users, optionally rewrites config keys,
runs `postamt serve`, and stops it with SIGTERM (asserting exit code 0).

Clients are Python's standard library (socket, ssl, smtplib, poplib) plus the
raw helpers below; nothing here talks to host services or DNS.
"""

import base64
import imaplib
import os
import poplib
import random
import re
import secrets
import signal
import smtplib
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

DOMAIN = "example.test"
HOST = "127.0.0.1"
TLS_NAME = "localhost"  # the SAN of the certificate `postamt init --hostname localhost` makes

POSTAMT_BIN = os.environ.get(
    "POSTAMT_BIN", str(Path(__file__).resolve().parents[2] / "build" / "src" / "app" / "postamt"))
if not os.path.isabs(POSTAMT_BIN):
    POSTAMT_BIN = os.path.abspath(POSTAMT_BIN)


def _snapshot_binary(path):
    """Runs a private copy of the binary, so a rebuild during the test run
    (ETXTBSY / half-written file) cannot break it."""
    import atexit
    import shutil
    import tempfile
    if not os.access(path, os.X_OK):
        return path
    d = tempfile.mkdtemp(prefix="postamt-e2e-bin-")
    atexit.register(shutil.rmtree, d, True)
    copy = os.path.join(d, "postamt")
    shutil.copy2(path, copy)
    return copy


POSTAMT_BIN = _snapshot_binary(POSTAMT_BIN)

PORT_OFFSETS = {"smtp": 25, "submission": 587, "submissions": 465, "pop3": 110, "pop3s": 995,
                "imap": 143, "imaps": 993}
# http ports are written into the config but not served yet; still keep them
# clear of other listeners so a later issue does not make the tests flaky.
RESERVED_OFFSETS = {"http": 80, "https": 443}

IO_TIMEOUT = 30  # seconds for any single socket operation in tests


def run_cli(*args, stdin=None, env=None, check=False, timeout=60):
    """Runs `postamt ARGS...`; returns CompletedProcess with text output."""
    p = subprocess.run([POSTAMT_BIN, *map(str, args)], input=stdin, capture_output=True, text=True,
                       env=env, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"postamt {' '.join(map(str, args))} -> {p.returncode}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def _ports_free(base):
    socks = []
    try:
        for off in list(PORT_OFFSETS.values()) + list(RESERVED_OFFSETS.values()):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((HOST, base + off))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def pick_port_base():
    rnd = random.SystemRandom()
    for _ in range(200):
        base = rnd.randrange(20000, 60000)
        if _ports_free(base):
            return base
    raise RuntimeError("no free port base found")


def set_toml_keys(path, overrides):
    """Rewrites `section.key = value` entries of a flat TOML file in place
    (adds missing keys/sections). Values: int, bool, str, list."""
    def fmt(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        raise TypeError(v)

    lines = Path(path).read_text().splitlines()
    pending = {}
    for dotted, v in overrides.items():
        sec, key = dotted.split(".", 1)
        pending.setdefault(sec, {})[key] = fmt(v)
    out, section = [], None
    done = set()

    def flush_section(sec):
        for key, val in pending.get(sec, {}).items():
            if (sec, key) not in done:
                out.append(f"{key} = {val}")
                done.add((sec, key))

    for line in lines:
        m = re.match(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*$", line)
        if m:
            flush_section(section)
            section = m.group(1)
            out.append(line)
            continue
        m = re.match(r"^(\s*)([A-Za-z0-9_-]+)(\s*=\s*)(.*)$", line)
        if m and section in pending and m.group(2) in pending[section]:
            key = m.group(2)
            # keep a trailing comment if the value is a simple scalar
            out.append(f"{m.group(1)}{key}{m.group(3)}{pending[section][key]}")
            done.add((section, key))
            continue
        out.append(line)
    flush_section(section)
    for sec in pending:
        if any((sec, k) not in done for k in pending[sec]):
            out.append(f"[{sec}]")
            flush_section(sec)
    Path(path).write_text("\n".join(out) + "\n")


class Server:
    def __init__(self, root, overrides=None, users=("alice", "bob")):
        self.root = Path(root)
        self.data = self.root / "data"
        self.base = pick_port_base()
        self.ports = {name: self.base + off for name, off in PORT_OFFSETS.items()}
        self.proc = None
        self.passwords = {}
        self.killed = False
        self.starts = 0
        self.stdout_path = self.root / "serve.stdout"
        self.stderr_path = self.root / "serve.stderr"
        run_cli("init", "--data", self.data, "--domain", DOMAIN, "--hostname", TLS_NAME,
                "--bind", HOST, "--port-base", self.base, check=True)
        self.cafile = str(self.data / "tls" / "cert.pem")
        if overrides:
            set_toml_keys(self.data / "postamt.toml", overrides)
        for u in users:
            self.add_user(u)

    # ---- accounts -------------------------------------------------------------
    def addr(self, local):
        return local if "@" in local else f"{local}@{DOMAIN}"

    def add_user(self, local, password=None, quota=None):
        address = self.addr(local)
        password = password or secrets.token_urlsafe(12)
        args = ["user", "add", "--data", self.data, address, "--password-stdin"]
        if quota:
            args += ["--quota", quota]
        run_cli(*args, stdin=password + "\n", check=True)
        self.passwords[address] = password
        return address, password

    def pw(self, local):
        return self.passwords[self.addr(local)]

    def cli(self, *args, **kw):
        return run_cli(*args, **kw)

    # ---- process --------------------------------------------------------------
    def set_config(self, overrides):
        set_toml_keys(self.data / "postamt.toml", overrides)

    def start(self, wait=True):
        assert self.proc is None or self.proc.poll() is not None
        self.stdout_f = open(self.stdout_path, "ab")
        self.stderr_f = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([POSTAMT_BIN, "serve", "--data", str(self.data)],
                                     stdout=self.stdout_f, stderr=self.stderr_f, stdin=subprocess.DEVNULL)
        self.killed = False
        self.starts += 1
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"postamt serve exited with {self.proc.returncode}\n{self.log_tail()}")
            ok = True
            for name in PORT_OFFSETS:
                try:
                    with socket.create_connection((HOST, self.ports[name]), timeout=1):
                        pass
                except OSError:
                    ok = False
                    break
            if ok:
                return
            time.sleep(0.05)
        raise AssertionError(f"postamt serve did not start listening\n{self.log_tail()}")

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=40):
        """SIGTERM, wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"postamt serve did not exit {timeout}s after SIGTERM\n{self.log_tail()}")
        self._close_files()
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.killed = True
        self._close_files()

    def _close_files(self):
        for f in ("stdout_f", "stderr_f"):
            if getattr(self, f, None):
                getattr(self, f).close()
                setattr(self, f, None)

    def log(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stdout(self):
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=40):
        return "---- serve stderr (tail) ----\n" + "\n".join(self.log().splitlines()[-n:])

    def rss_kb(self):
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def finish(self):
        """Fixture teardown: the server must still run and exit 0 on SIGTERM."""
        if self.proc is None:
            return
        if self.killed:  # stopped or killed by the test itself
            self._close_files()
            return
        was_alive = self.proc.poll() is None
        rc = self.stop()
        assert was_alive, f"server died during the test (exit {rc})\n{self.log_tail()}"
        assert rc == 0, f"SIGTERM exit code {rc}\n{self.log_tail()}"

    # ---- TLS ------------------------------------------------------------------
    def tls_context(self):
        return ssl.create_default_context(cafile=self.cafile)

    def wrap(self, sock):
        return self.tls_context().wrap_socket(sock, server_hostname=TLS_NAME)

    # ---- clients --------------------------------------------------------------
    def smtp(self, port_name="smtp", ehlo=True):
        c = RawSMTP(self, port_name)
        if ehlo:
            c.ehlo()
        return c

    def smtplib(self, port_name="submission", login=None):
        """smtplib client; submission → STARTTLS, submissions → implicit TLS."""
        if port_name == "submissions":
            s = smtplib.SMTP_SSL(TLS_NAME, self.ports[port_name], context=self.tls_context(), timeout=IO_TIMEOUT)
        else:
            s = smtplib.SMTP(TLS_NAME, self.ports[port_name], timeout=IO_TIMEOUT)
            if port_name == "submission":
                s.starttls(context=self.tls_context())
        s.ehlo("client.test")
        if login:
            s.login(self.addr(login), self.pw(login))
        return s

    def pop3(self, user=None, tls="pop3s"):
        """poplib client logged in as `user` (if given). tls: 'pop3s' (995) or 'stls' (110)."""
        if tls == "pop3s":
            p = poplib.POP3_SSL(TLS_NAME, self.ports["pop3s"], context=self.tls_context(), timeout=IO_TIMEOUT)
        else:
            p = poplib.POP3(TLS_NAME, self.ports["pop3"], timeout=IO_TIMEOUT)
            if tls == "stls":
                p.stls(context=self.tls_context())
        if user:
            p.user(self.addr(user))
            p.pass_(self.pw(user))
        return p

    def imap(self, user=None, tls="imaps"):
        """imaplib client logged in as `user` (if given). tls: 'imaps' (993) or 'starttls' (143)."""
        if tls == "imaps":
            c = imaplib.IMAP4_SSL(TLS_NAME, self.ports["imaps"], ssl_context=self.tls_context(), timeout=IO_TIMEOUT)
        else:
            c = imaplib.IMAP4(TLS_NAME, self.ports["imap"], timeout=IO_TIMEOUT)
            if tls == "starttls":
                c.starttls(ssl_context=self.tls_context())
        if user:
            c.login(self.addr(user), self.pw(user))
        return c

    def pop3_messages(self, user, delete=False):
        """All messages of `user` as bytes (CRLF line endings), via POP3 over TLS."""
        p = self.pop3(user)
        try:
            count, _ = p.stat()
            out = []
            for i in range(1, count + 1):
                _, lines, _ = p.retr(i)
                out.append(b"".join(l + b"\r\n" for l in lines))
                if delete:
                    p.dele(i)
            return out
        finally:
            p.quit()

    def pop3_count(self, user):
        p = self.pop3(user)
        try:
            return p.stat()[0]
        finally:
            p.quit()

    def deliver(self, rcpts, content, sender="sender@sender.test", port_name="smtp"):
        """Sends `content` (bytes with CRLF) over the MX port; returns the final reply."""
        if isinstance(rcpts, str):
            rcpts = [rcpts]
        c = self.smtp(port_name)
        try:
            r = c.cmd(f"MAIL FROM:<{sender}>")
            assert r.code == 250, r
            for rc in rcpts:
                r = c.cmd(f"RCPT TO:<{self.addr(rc)}>")
                assert r.code == 250, r
            return c.data(content)
        finally:
            c.close()


# ---- raw protocol helpers --------------------------------------------------------

class Reply:
    def __init__(self, code, lines):
        self.code = code
        self.lines = lines  # texts after "NNN-" / "NNN "

    @property
    def text(self):
        return "\n".join(self.lines)

    @property
    def enhanced(self):
        m = re.match(r"^(\d\.\d{1,3}\.\d{1,3})\b", self.lines[0]) if self.lines else None
        return m.group(1) if m else None

    def __repr__(self):
        return f"Reply({self.code}, {self.lines!r})"


class LineReader:
    """Buffered line reader over a socket (plain or TLS)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line
                raise ConnectionClosed("connection closed by server")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def read_all_until_close(self, timeout=IO_TIMEOUT):
        self.sock.settimeout(timeout)
        data = self.buf
        self.buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not chunk:
                break
            data += chunk
        return data


class ConnectionClosed(Exception):
    pass


def parse_replies(data):
    """Parses a byte string of SMTP replies into a list of Reply."""
    out, cur = [], []
    for raw in data.split(b"\r\n"):
        if not raw:
            continue
        line = raw.decode("utf-8", "replace")
        m = re.match(r"^(\d{3})([ -]|$)(.*)$", line)
        assert m, f"malformed reply line {line!r} in {data!r}"
        cur.append(m.group(3))
        if m.group(2) != "-":
            out.append(Reply(int(m.group(1)), cur))
            cur = []
    assert not cur, f"unterminated multi-line reply in {data!r}"
    return out


class RawSMTP:
    def __init__(self, server, port_name="smtp", timeout=IO_TIMEOUT):
        self.server = server
        sock = socket.create_connection((HOST, server.ports[port_name]), timeout=timeout)
        if port_name == "submissions":
            sock = server.wrap(sock)
        self.sock = sock
        self.reader = LineReader(sock)
        self.greeting = self.reply()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def reply(self):
        lines = []
        while True:
            raw = self.reader.readline()
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            m = re.match(r"^(\d{3})([ -]|$)(.*)$", line)
            assert m, f"malformed SMTP reply line {raw!r}"
            lines.append(m.group(3))
            if m.group(2) != "-":
                return Reply(int(m.group(1)), lines)

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def ehlo(self, name="client.test"):
        r = self.cmd(f"EHLO {name}")
        assert r.code == 250, r
        self.ehlo_reply = r
        return r

    def extensions(self):
        return {l.split(" ", 1)[0].upper(): (l.split(" ", 1)[1] if " " in l else "")
                for l in self.ehlo_reply.lines[1:]}

    def starttls(self):
        r = self.cmd("STARTTLS")
        assert r.code == 220, r
        assert self.reader.buf == b"", "server sent data after 220 to STARTTLS"
        self.sock = self.server.wrap(self.sock)
        self.reader = LineReader(self.sock)
        return r

    def data(self, content):
        """DATA with dot-stuffing; `content` must end with CRLF (added otherwise)."""
        r = self.cmd("DATA")
        assert r.code == 354, r
        if isinstance(content, str):
            content = content.encode("utf-8")
        self.send(dot_stuff(content) + b".\r\n")
        return self.reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def quit(self):
        try:
            self.cmd("QUIT")
        except (OSError, ConnectionClosed):
            pass
        self.close()


def dot_stuff(content):
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    out = re.sub(rb"(?m)^\.", b"..", content)
    return out


def auth_plain_b64(user, password, authzid=""):
    return base64.b64encode(f"{authzid}\0{user}\0{password}".encode()).decode()


class ScramSha256:
    """Minimal RFC 5802 / RFC 7677 SCRAM-SHA-256 client (no channel binding)."""

    def __init__(self, user, password):
        import hashlib
        import hmac
        self._hashlib, self._hmac = hashlib, hmac
        self.user, self.password = user, password
        self.cnonce = base64.b64encode(secrets.token_bytes(18)).decode()
        saslname = user.replace("=", "=3D").replace(",", "=2C")
        self.client_first_bare = f"n={saslname},r={self.cnonce}"

    def _h(self, key, msg):
        return self._hmac.new(key, msg, self._hashlib.sha256).digest()

    def first(self):
        return "n,," + self.client_first_bare

    def final(self, server_first):
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        assert attrs["r"].startswith(self.cnonce) and len(attrs["r"]) > len(self.cnonce), server_first
        salt = base64.b64decode(attrs["s"])
        self.iterations = int(attrs["i"])
        salted = self._hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, self.iterations)
        client_key = self._h(salted, b"Client Key")
        stored_key = self._hashlib.sha256(client_key).digest()
        self.server_key = self._h(salted, b"Server Key")
        without_proof = f"c=biws,r={attrs['r']}"
        self.auth_message = f"{self.client_first_bare},{server_first},{without_proof}".encode()
        proof = bytes(a ^ b for a, b in zip(client_key, self._h(stored_key, self.auth_message)))
        return f"{without_proof},p={base64.b64encode(proof).decode()}"

    def expected_server_final(self):
        return "v=" + base64.b64encode(self._h(self.server_key, self.auth_message)).decode()


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


TRACE_RE = re.compile(rb"^Return-Path: <(?P<rp>[^>\r\n]*)>\r\nDelivered-To: (?P<dt>[^\r\n]*)\r\n"
                      rb"(?P<received>Received: from [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)")


def split_trace(msg):
    """Returns (return_path, delivered_to, received, body) of a stored message, or
    raises AssertionError if it does not start with the trace header block."""
    m = TRACE_RE.match(msg)
    assert m, f"stored message does not start with Return-Path/Delivered-To/Received: {msg[:300]!r}"
    return m.group("rp").decode(), m.group("dt").decode(), m.group("received"), msg[m.end():]


def token():
    return secrets.token_hex(8)


def simple_message(tok=None, subject=None, body=None, sender="sender@sender.test", to="bob@example.test"):
    tok = tok or token()
    subject = subject or f"test {tok}"
    body = body if body is not None else f"Hello {tok}\r\nSecond line.\r\n"
    return (f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{tok}@client.test>\r\n\r\n{body}").encode()


# ---- fixtures ----------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not os.access(POSTAMT_BIN, os.X_OK):
        pytest.exit(f"postamt binary not found at {POSTAMT_BIN} (set POSTAMT_BIN)", returncode=4)


@pytest.fixture
def make_server(tmp_path):
    """Factory for function-scoped servers: make_server(overrides=..., users=..., start=True)."""
    servers = []

    def make(overrides=None, users=("alice", "bob"), start=True, setup=None):
        root = tmp_path / f"srv{len(servers)}"
        root.mkdir()
        s = Server(root, overrides=overrides, users=users)
        if setup:
            setup(s)
        servers.append(s)
        if start:
            s.start()
        return s

    yield make
    errors = []
    for s in servers:
        try:
            s.finish()
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)


@pytest.fixture
def server(make_server):
    """A fresh default server for one test (alice, bob)."""
    return make_server()


def module_server(tmp_path_factory, name, overrides=None, users=("alice", "bob"), setup=None):
    root = tmp_path_factory.mktemp(name)
    s = Server(root, overrides=overrides, users=users)
    if setup:
        setup(s)
    s.start()
    return s
