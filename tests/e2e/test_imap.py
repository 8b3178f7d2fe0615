"""IMAP on 143 (STARTTLS, LOGINDISABLED before TLS) and 993 (implicit TLS), end to
end against `postamt serve`: states and login (LOGIN, AUTHENTICATE PLAIN with and
without SASL-IR, SCRAM-SHA-256, UNAUTHENTICATE, ENABLE, ID, NAMESPACE), mailboxes
(CREATE/DELETE/RENAME incl. INBOX, SUBSCRIBE/LSUB, LIST-EXTENDED, LIST-STATUS,
SPECIAL-USE, modified UTF-7 vs UTF8=ACCEPT, STATUS, UIDVALIDITY/UID stability across
restarts), messages (APPEND/MULTIAPPEND/LITERAL+, APPENDUID/COPYUID, TRYCREATE, QUOTA,
every FETCH item, a streamed 20 MiB BODY[], STORE/UNCHANGEDSINCE, COPY/MOVE, EXPUNGE,
CLOSE/UNSELECT, SEARCH/ESEARCH/SEARCHRES, SORT/ESORT, THREAD, COMPRESS=DEFLATE) and
several clients at once (IDLE within 1 s of an SMTP delivery, other sessions' STORE
and EXPUNGE, POP3 deletions, CONDSTORE/QRESYNC resynchronization).
RFCs 9051, 3501, 2177, 3502, 3516, 4315, 4731, 4978, 4959, 5161, 5182, 5256, 5258,
5267, 5530, 5819, 6154, 6851, 6855, 7162, 7888, 7889, 8437, 8438, 8474, 8514, 8970, 9208.

Exact responses are read with the raw client `Imap` below (literals inline);
imaplib is used where a stock client is the point."""

import base64
import imaplib
import re
import socket
import ssl
import threading
import time
import zlib

import pytest

from conftest import (HOST, IO_TIMEOUT, ConnectionClosed, RawSMTP, ScramSha256, auth_plain_b64, b64, module_server,
                      token)

# ---- raw client --------------------------------------------------------------------------


class Atom(str):
    """An IMAP atom in parsed data (strings come back as bytes, NIL as None)."""


def parse_data(data, pos=0):
    """Parses one IMAP value at data[pos:] (bytes): atom (Atom, brackets kept whole),
    quoted/literal (bytes), NIL (None) or list (list). Returns (value, new_pos)."""
    while data[pos:pos + 1] == b" ":
        pos += 1
    c = data[pos:pos + 1]
    if c == b"(":
        pos += 1
        out = []
        while True:
            while data[pos:pos + 1] == b" ":
                pos += 1
            if data[pos:pos + 1] == b")":
                return out, pos + 1
            v, pos = parse_data(data, pos)
            out.append(v)
    if c == b'"':
        pos += 1
        s = bytearray()
        while data[pos:pos + 1] != b'"':
            if data[pos:pos + 1] == b"\\":
                pos += 1
            s += data[pos:pos + 1]
            pos += 1
        return bytes(s), pos + 1
    m = re.match(rb"~?\{(\d+)\+?\}\r\n", data[pos:])
    if m:
        start = pos + m.end()
        n = int(m.group(1))
        return data[start:start + n], start + n
    start = pos
    depth = 0
    while pos < len(data):
        ch = data[pos:pos + 1]
        if ch == b"[":
            depth += 1
        elif ch == b"]":
            depth -= 1
        elif depth == 0 and ch in b" ()":
            break
        pos += 1
    word = data[start:pos].decode()
    if word.upper() == "NIL":
        return None, pos
    return Atom(word), pos


def parse_fetch(line, keep_recent=False):
    """'* 3 FETCH (UID 7 FLAGS (\\Seen) BODY[] {3}\\r\\nabc)' -> (3, {'UID': '7', ...}).
    The session-specific \\Recent flag (IMAP4rev1) is left out of FLAGS unless keep_recent:
    test_recent checks it, the other tests compare the stored flags."""
    if isinstance(line, str):
        line = line.encode()
    m = re.match(rb"\* (\d+) FETCH ", line)
    assert m, line
    items, end = parse_data(line, m.end())
    assert end == len(line), (line, end)
    assert len(items) % 2 == 0, items
    d = {}
    for k, v in zip(items[::2], items[1::2]):
        d[str(k).upper()] = v
    if not keep_recent and isinstance(d.get("FLAGS"), list):
        d["FLAGS"] = [f for f in d["FLAGS"] if f != "\\Recent"]
    return int(m.group(1)), d


class Resp:
    def __init__(self, untagged, tagged):
        self.untagged = untagged  # list of bytes (without CRLF), literals inline
        self.tagged = tagged  # bytes without the tag, e.g. b"OK [READ-WRITE] SELECT completed"

    @property
    def status(self):
        return self.tagged.split(b" ", 1)[0].decode()

    @property
    def text(self):
        return self.tagged.decode("utf-8", "replace")

    def lines(self, prefix=""):
        """Untagged responses (str, without '* ') that start with `prefix`."""
        out = []
        for u in self.untagged:
            s = u.decode("utf-8", "surrogateescape")
            if s.startswith("* "):
                s = s[2:]
            if s.startswith(prefix):
                out.append(s)
        return out

    def fetches(self):
        return [parse_fetch(u) for u in self.untagged if re.match(rb"\* \d+ FETCH ", u)]

    def __repr__(self):
        return f"Resp({self.untagged!r}, {self.tagged!r})"


_PBKDF2_CACHE = {}


class _CachingHashlib:
    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def pbkdf2_hmac(self, name, password, salt, iterations):
        key = (name, password, salt, iterations)
        if key not in _PBKDF2_CACHE:
            _PBKDF2_CACHE[key] = self._real.pbkdf2_hmac(name, password, salt, iterations)
        return _PBKDF2_CACHE[key]


class CachedScram(ScramSha256):
    """SCRAM client that remembers PBKDF2 results (they depend on password and salt only)."""

    def __init__(self, user, password):
        super().__init__(user, password)
        self._hashlib = _CachingHashlib(self._hashlib)


class Imap:
    """Raw IMAP client over a socket: sends exactly what it is told and returns
    whole responses (a literal and the rest of its line joined in)."""

    def __init__(self, srv, tls="imaps", timeout=IO_TIMEOUT):
        self.srv = srv
        port = srv.ports["imaps" if tls == "imaps" else "imap"]
        sock = socket.create_connection((HOST, port), timeout=timeout)
        if tls == "imaps":
            sock = srv.wrap(sock)
        self.sock = sock
        self.buf = bytearray()
        self.n = 0
        self.inflate = None
        self.deflate = None
        self.greeting = self.read_response()
        if tls == "starttls":
            r = self.cmd("STARTTLS")
            assert r.status == "OK", r
            assert self.buf == b"", self.buf
            self.sock = srv.wrap(self.sock)

    # -- transport
    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.deflate:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise ConnectionClosed("connection closed by server")
        if self.inflate:
            data = self.inflate.decompress(data)
        self.buf += data

    def readline(self):
        start = 0
        while True:
            i = self.buf.find(b"\r\n", start)
            if i >= 0:
                break
            start = max(0, len(self.buf) - 1)
            self._fill()
        line = bytes(self.buf[:i + 2])
        del self.buf[:i + 2]
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        d = bytes(self.buf[:n])
        del self.buf[:n]
        return d

    def read_response(self):
        out = b""
        while True:
            line = self.readline()
            out += line
            m = re.search(rb"~?\{(\d+)\}\r\n$", line)
            if not m:
                return out[:-2]
            out += self.read_exact(int(m.group(1)))

    def read_until_close(self, timeout=IO_TIMEOUT):
        self.sock.settimeout(timeout)
        data, self.buf = bytes(self.buf), bytearray()
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError, socket.timeout, OSError):
                break
            if not chunk:
                break
            data += self.inflate.decompress(chunk) if self.inflate else chunk
        return data

    def tag(self):
        self.n += 1
        return f"a{self.n:03d}"

    def collect(self, tag):
        """Reads responses up to the tagged one for `tag`."""
        untagged = []
        t = tag.encode() + b" "
        while True:
            r = self.read_response()
            if r.startswith(t):
                return Resp(untagged, r[len(t):])
            untagged.append(r)

    def cmd(self, text, *literals, plus=False, tag=None):
        """Sends `tag text`; each '{}' in text becomes a literal from `literals`
        (synchronizing unless plus: the '+' is awaited). Returns Resp."""
        tag = tag or self.tag()
        if isinstance(text, str):
            text = text.encode()
        pieces = text.split(b"{}")
        assert len(pieces) == len(literals) + 1, "literal count"
        # One write per round trip: separate small writes would meet Nagle + delayed ACK.
        out = tag.encode() + b" " + pieces[0]
        pre = []
        for lit, rest in zip(literals, pieces[1:]):
            if isinstance(lit, str):
                lit = lit.encode()
            if plus:
                out += b"{%d+}\r\n" % len(lit) + lit + rest
                continue
            self.send(out + b"{%d}\r\n" % len(lit))
            while True:
                r = self.read_response()
                if r.startswith(b"+"):
                    break
                assert not r.startswith(tag.encode() + b" "), f"refused literal: {r!r}"
                pre.append(r)
            out = lit + rest
        self.send(out + b"\r\n")
        r = self.collect(tag)
        r.untagged = pre + r.untagged
        return r

    def ok(self, text, *literals, **kw):
        r = self.cmd(text, *literals, **kw)
        assert r.status == "OK", (text, r)
        return r

    def login(self, user, mech="SCRAM-SHA-256"):
        """Logs in; SCRAM by default, because the server's check is cheap there (LOGIN
        and PLAIN verify an argon2id hash, ~0.5 s each) and PBKDF2 results are cached
        here. LOGIN itself is covered by the tests that use mech="LOGIN"."""
        if mech == "LOGIN":
            return self.ok(f'LOGIN "{self.srv.addr(user)}" "{self.srv.pw(user)}"')
        t = self.tag()
        sc = CachedScram(self.srv.addr(user), self.srv.pw(user))
        self.send(f"{t} AUTHENTICATE SCRAM-SHA-256 {b64(sc.first())}\r\n")
        cont = self.read_response()
        assert cont.startswith(b"+ "), cont
        self.send(b64(sc.final(base64.b64decode(cont[2:]).decode())) + "\r\n")
        cont = self.read_response()
        assert cont.startswith(b"+ "), cont
        assert base64.b64decode(cont[2:]).decode() == sc.expected_server_final()
        self.send("\r\n")
        r = self.collect(t)
        assert r.status == "OK", r
        return r

    def select(self, mailbox, extra=""):
        return self.ok(f'SELECT "{mailbox}"{extra}')

    def append(self, mailbox, msg, flags="", date=""):
        opts = (f" ({flags})" if flags else "") + (f' "{date}"' if date else "")
        r = self.ok(f'APPEND "{mailbox}"{opts} {{}}', msg)
        m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", r.tagged)
        assert m, r
        return int(m.group(2))

    def wait_for(self, pattern, timeout):
        """Reads untagged responses until one matches `pattern` (regex on bytes);
        returns (match line, responses read). Raises socket.timeout."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout(f"no {pattern!r} within {timeout}s; got {got!r}")
            self.sock.settimeout(left)
            try:
                r = self.read_response()
            finally:
                self.sock.settimeout(IO_TIMEOUT)
            got.append(r)
            if re.search(pattern, r):
                return r, got

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def logout(self):
        try:
            self.cmd("LOGOUT")
        except (OSError, ConnectionClosed):
            pass
        self.close()


def msg(subject="hello", body="Hello world\r\n", frm="Ann <ann@example.test>", to="bob@example.test",
        date="Mon, 02 Jan 2023 10:00:00 +0000", extra="", msgid=None):
    msgid = msgid or f"<{token()}@example.test>"
    return (f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: {msgid}\r\n{extra}"
            f"\r\n{body}").encode()


MULTIPART = (b"From: \"Ann Example\" <ann@example.test>\r\n"
             b"To: Bob <bob@example.test>\r\n"
             b"Cc: carol@example.test\r\n"
             b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= multipart\r\n"
             b"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\n"
             b"Message-ID: <multi1@example.test>\r\n"
             b"MIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
             b"\r\n"
             b"preamble\r\n"
             b"--XX\r\n"
             b"Content-Type: text/plain; charset=utf-8\r\n"
             b"Content-Transfer-Encoding: quoted-printable\r\n"
             b"\r\n"
             b"Hello W=C3=B6rld, this is the preview text.\r\n"
             b"--XX\r\n"
             b"Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
             b"Content-Transfer-Encoding: base64\r\n"
             b"\r\n"
             b"AAECAwQ=\r\n"
             b"--XX--\r\n")
MP_HEADER = MULTIPART[:MULTIPART.index(b"\r\n\r\n") + 4]
MP_TEXT = MULTIPART[len(MP_HEADER):]
PART1_MIME = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
PART1_BODY = b"Hello W=C3=B6rld, this is the preview text."


# Accounts are costly to create (argon2id), so most tests share alice and work in
# mailboxes of their own; tests that need INBOX to themselves get an account.
USERS = ["alice", "rename", "idle", "pop"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = module_server(tmp_path_factory, "imap", users=USERS)
    yield s
    s.finish()


@pytest.fixture(scope="module")
def aux(tmp_path_factory):
    """A second server: plaintext login allowed on loopback, 4 KiB message limit; also
    the one that is restarted and that sees failed logins (throttling stays local)."""
    s = module_server(tmp_path_factory, "imap-aux", users=["alice"],
                      overrides={"auth.allow_plaintext_loopback": True, "smtp.max_message_size": 4096})
    yield s
    s.finish()


def new_box(c, prefix="t"):
    name = f"{prefix}-{token()}"
    c.ok(f'CREATE "{name}"')
    return name


def caps_of(text):
    m = re.search(r"\[CAPABILITY ([^\]]*)\]", text) or re.search(r"CAPABILITY (.*)$", text)
    assert m, text
    return set(m.group(1).split())


# ---- 1. listeners and states ----------------------------------------------------------------

def test_greeting_imaps_capabilities(srv):
    c = Imap(srv)
    caps = caps_of(c.greeting.decode())
    assert c.greeting.startswith(b"* OK [CAPABILITY "), c.greeting
    assert {"IMAP4rev1", "IMAP4rev2", "AUTH=PLAIN", "AUTH=SCRAM-SHA-256", "SASL-IR", "LITERAL+", "ENABLE",
            "ID", "IDLE"} <= caps, caps
    assert "STARTTLS" not in caps and "LOGINDISABLED" not in caps, caps
    r = c.ok("CAPABILITY")
    assert caps_of(r.lines("CAPABILITY")[0]) == caps
    c.logout()


def test_plain_port_logindisabled_and_privacyrequired(srv):
    c = Imap(srv, tls=None)
    caps = caps_of(c.greeting.decode())
    assert {"STARTTLS", "LOGINDISABLED"} <= caps, caps
    assert "AUTH=PLAIN" not in caps, caps
    r = c.cmd(f'LOGIN "{srv.addr("alice")}" "{srv.pw("alice")}"')
    assert r.status == "NO" and b"[PRIVACYREQUIRED]" in r.tagged, r
    r = c.cmd("AUTHENTICATE PLAIN " + auth_plain_b64(srv.addr("alice"), srv.pw("alice")))
    assert r.status == "NO" and b"[PRIVACYREQUIRED]" in r.tagged, r
    # still not authenticated
    r = c.cmd("SELECT INBOX")
    assert r.status == "BAD", r
    c.logout()


def test_starttls_imaplib_then_login(srv):
    m = srv.imap(tls="starttls")
    typ, data = m.capability()
    caps = set(data[0].decode().split())
    assert "LOGINDISABLED" not in caps and "STARTTLS" not in caps, caps
    assert "AUTH=PLAIN" in caps, caps
    m.login(srv.addr("alice"), srv.pw("alice"))
    typ, data = m.select("INBOX")
    assert typ == "OK"
    m.logout()


def test_starttls_discards_pipelined_bytes(srv):
    c = Imap(srv, tls=None)
    c.send("s1 STARTTLS\r\ns2 CAPABILITY\r\n")
    r = c.read_response()
    assert r.startswith(b"s1 OK"), r
    assert c.buf == b""
    c.sock = srv.wrap(c.sock)
    r = c.ok("NOOP")
    # the response to s2 would come first if the pipelined line had survived the handshake
    assert r.untagged == [], r
    c.send("s3 CAPABILITY\r\n")
    lines = [c.read_response(), c.read_response()]
    assert lines[0].startswith(b"* CAPABILITY") and lines[1].startswith(b"s3 OK"), lines
    assert b"LOGINDISABLED" not in lines[0]
    c.logout()


def test_plaintext_loopback_allowed(aux):
    s = aux
    c = Imap(s, tls=None)
    caps = caps_of(c.greeting.decode())
    assert "LOGINDISABLED" not in caps and "AUTH=PLAIN" in caps and "STARTTLS" in caps, caps
    c.login("alice", mech="LOGIN")
    c.logout()


def test_login_capability_after_login(srv):
    c = Imap(srv)
    r = c.login("alice", mech="LOGIN")
    caps = caps_of(r.text)
    for cap in ("NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC", "ESEARCH", "SEARCHRES", "SORT",
                "THREAD=REFERENCES", "THREAD=ORDEREDSUBJECT", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE",
                "CREATE-SPECIAL-USE", "STATUS=SIZE", "BINARY", "MULTIAPPEND", "UTF8=ACCEPT", "PREVIEW", "OBJECTID",
                "SAVEDATE", "QUOTA", "UNAUTHENTICATE", "COMPRESS=DEFLATE", "IDLE", "ENABLE", "LITERAL+"):
        assert cap in caps, (cap, caps)
    assert any(x.startswith("APPENDLIMIT=") for x in caps), caps
    assert not any(x.startswith("AUTH=") for x in caps), caps
    r2 = c.ok("CAPABILITY")
    assert caps_of(r2.lines("CAPABILITY")[0]) == caps
    # LOGIN again in the authenticated state is a protocol error
    r = c.cmd('LOGIN "x" "y"')
    assert r.status == "BAD", r
    c.logout()


def test_authenticate_plain_with_and_without_sasl_ir(srv):
    user, pw = srv.addr("alice"), srv.pw("alice")
    c = Imap(srv)
    r = c.cmd("AUTHENTICATE PLAIN " + auth_plain_b64(user, pw))
    assert r.status == "OK", r
    assert "IMAP4rev2" in caps_of(r.text)
    c.logout()
    # without an initial response: "+ " then the data
    c = Imap(srv)
    c.send("p1 AUTHENTICATE PLAIN\r\n")
    cont = c.read_response()
    assert cont in (b"+", b"+ "), cont
    c.send(auth_plain_b64(user, pw) + "\r\n")
    r = c.collect("p1")
    assert r.status == "OK", r
    c.logout()
    # imaplib's authenticate (no SASL-IR)
    m = srv.imap()
    typ, _ = m.authenticate("PLAIN", lambda _: f"\0{user}\0{pw}".encode())
    assert typ == "OK"
    m.logout()
    # cancelled exchange: BAD, and the session still works
    c = Imap(srv)
    c.send("p2 AUTHENTICATE PLAIN\r\n")
    assert c.read_response().startswith(b"+")
    c.send("*\r\n")
    r = c.collect("p2")
    assert r.status == "BAD", r
    c.ok("NOOP")
    c.logout()


def scram_exchange(c, user, password, initial_response):
    sc = ScramSha256(user, password)
    if initial_response:
        c.send("x1 AUTHENTICATE SCRAM-SHA-256 " + b64(sc.first()) + "\r\n")
    else:
        c.send("x1 AUTHENTICATE SCRAM-SHA-256\r\n")
        cont = c.read_response()
        assert cont in (b"+", b"+ "), cont
        c.send(b64(sc.first()) + "\r\n")
    cont = c.read_response()
    assert cont.startswith(b"+ "), cont
    server_first = base64.b64decode(cont[2:]).decode()
    c.send(b64(sc.final(server_first)) + "\r\n")
    cont = c.read_response()
    if not cont.startswith(b"+ "):
        return None, cont
    server_final = base64.b64decode(cont[2:]).decode()
    assert server_final == sc.expected_server_final(), server_final
    c.send("\r\n")
    return sc, c.collect("x1")


@pytest.mark.parametrize("sasl_ir", [True, False])
def test_authenticate_scram_sha_256(srv, sasl_ir):
    c = Imap(srv)
    _, r = scram_exchange(c, srv.addr("alice"), srv.pw("alice"), sasl_ir)
    assert r.status == "OK", r
    c.ok("SELECT INBOX")
    c.logout()


def test_wrong_password_and_unknown_user(aux):
    s = aux
    c = Imap(s)
    r1 = c.cmd(f'LOGIN "{s.addr("alice")}" "wrong"')
    r2 = c.cmd('LOGIN "nobody@example.test" "wrong"')
    for r in (r1, r2):
        assert r.status == "NO" and r.tagged.startswith(b"NO [AUTHENTICATIONFAILED]"), r
    assert r1.tagged == r2.tagged  # identical replies (DESIGN §7)
    c.login("alice", mech="LOGIN")
    c.logout()


def test_unauthenticate(srv):
    c = Imap(srv)
    c.login("alice")
    c.ok("ENABLE UTF8=ACCEPT")
    c.ok("SELECT INBOX")
    r = c.ok("UNAUTHENTICATE")
    r = c.cmd("SELECT INBOX")
    assert r.status == "BAD", r
    r = c.ok("CAPABILITY")
    assert "AUTH=PLAIN" in caps_of(r.lines("CAPABILITY")[0])
    c.login("pop")
    r = c.ok("ENABLE UTF8=ACCEPT")  # state was reset: enabling again is news
    assert r.lines("ENABLED") == ["ENABLED UTF8=ACCEPT"], r
    c.logout()


def test_enable_id_namespace(srv):
    c = Imap(srv)
    r = c.cmd("ENABLE IMAP4rev2")
    assert r.status == "BAD", r  # not before login (RFC 5161 §3.1)
    c.login("alice")
    r = c.ok("ENABLE IMAP4rev2 UTF8=ACCEPT CONDSTORE QRESYNC X-UNKNOWN")
    assert r.lines("ENABLED") == ["ENABLED IMAP4REV2 UTF8=ACCEPT CONDSTORE QRESYNC"], r
    r = c.ok("ENABLE CONDSTORE")
    assert r.lines("ENABLED") == ["ENABLED"], r
    r = c.ok('ID ("name" "pytest" "version" "1.0")')
    ids = r.lines("ID ")
    assert len(ids) == 1 and '"name" "Postamt"' in ids[0], r
    r = c.ok("ID NIL")
    assert r.lines("ID ")
    r = c.cmd('ID ("name")')
    assert r.status == "BAD", r
    r = c.ok("NAMESPACE")
    assert r.lines("NAMESPACE") == ['NAMESPACE (("" "/")) NIL NIL'], r
    # rev2: SELECT without RECENT / UNSEEN response codes
    r = c.ok("SELECT INBOX")
    assert not r.lines("0 RECENT") and not [l for l in r.lines() if "RECENT" in l], r
    c.logout()


def test_id_before_login_and_noop_logout(srv):
    c = Imap(srv)
    r = c.ok("ID NIL")
    assert r.lines("ID (")
    c.ok("NOOP")
    r = c.cmd("LOGOUT")
    assert r.status == "OK" and r.lines("BYE"), r
    with pytest.raises((ConnectionClosed, OSError)):
        c.ok("NOOP")


# ---- 2. mailboxes ----------------------------------------------------------------------------

LIST_RE = re.compile(r'^(LIST|LSUB) \(([^)]*)\) "/" (.*)$')


def listing(r, kind="LIST"):
    """{name: set(attributes)} of the LIST/LSUB responses (quoted names unquoted)."""
    out = {}
    for l in r.lines(kind + " "):
        m = LIST_RE.match(l)
        assert m, l
        name = m.group(3)
        extra = None
        if name.startswith('"'):
            end = name.index('"', 1)
            while name[end - 1] == "\\":
                end = name.index('"', end + 1)
            name, extra = name[1:end].replace('\\"', '"').replace("\\\\", "\\"), name[end + 1:].strip()
        else:
            parts = name.split(" ", 1)
            name, extra = parts[0], (parts[1] if len(parts) > 1 else "")
        attrs = set(m.group(2).split()) if m.group(2) else set()
        if extra:
            attrs.add("EXT:" + extra)
        out[name] = attrs
    return out


def test_default_folders_special_use(srv):
    c = Imap(srv)
    c.login("pop")
    r = c.ok('LIST "" "*"')
    lst = listing(r)
    assert list(lst)[0] == "INBOX", r  # INBOX first
    for name, use in (("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"), ("Junk", "\\Junk"),
                      ("Archive", "\\Archive")):
        assert use in lst[name], lst
    assert not any(a.startswith("\\") and a not in ("\\HasNoChildren", "\\HasChildren") for a in lst["INBOX"]), lst
    # LIST (SPECIAL-USE): only the special-use folders
    r = c.ok('LIST (SPECIAL-USE) "" "*"')
    assert set(listing(r)) == {"Sent", "Drafts", "Trash", "Junk", "Archive"}, r
    # the delimiter query
    r = c.ok('LIST "" ""')
    assert r.lines("LIST") == ['LIST (\\Noselect) "/" ""'], r
    c.logout()


def test_create_parents_trailing_slash_and_children(srv):
    c = Imap(srv)
    c.login("alice")
    root = f"cr{token()}"
    c.ok(f'CREATE "{root}/b/c"')
    c.ok(f'CREATE "{root}/d/"')
    r = c.ok(f'LIST "" "{root}*"')
    lst = listing(r)
    assert set(lst) == {root, f"{root}/b", f"{root}/b/c", f"{root}/d"}, r
    assert "\\HasChildren" in lst[root] and "\\HasChildren" in lst[f"{root}/b"]
    assert "\\HasNoChildren" in lst[f"{root}/b/c"] and "\\HasNoChildren" in lst[f"{root}/d"]
    r = c.cmd(f'CREATE "{root}/b"')
    assert r.status == "NO" and b"[ALREADYEXISTS]" in r.tagged, r
    r = c.cmd("CREATE inbox")
    assert r.status == "NO", r
    # selectable, empty
    r = c.ok(f'SELECT "{root}/d"')
    assert "0 EXISTS" in r.lines(), r
    c.logout()


def test_create_special_use(srv):
    c = Imap(srv)
    c.login("alice")
    name = f"Sent2-{token()}"
    c.ok(f'CREATE "{name}" (USE (\\Sent))')
    r = c.ok(f'LIST "" "{name}"')
    assert "\\Sent" in listing(r)[name], r
    r = c.ok(f'LIST "" "{name}" RETURN (SPECIAL-USE)')
    assert "\\Sent" in listing(r)[name], r
    for use in ("\\Flagged", "\\Bogus", "\\Sent \\Trash"):
        r = c.cmd(f'CREATE "x{token()}" (USE ({use}))')
        assert r.status == "NO" and b"[USEATTR]" in r.tagged, (use, r)
    c.logout()


def test_delete_rules(srv):
    c = Imap(srv)
    c.login("alice")
    root = f"del{token()}"
    c.ok(f'CREATE "{root}/kid"')
    r = c.cmd("DELETE INBOX")
    assert r.status == "NO", r
    r = c.cmd(f'DELETE "{root}"')
    assert r.status == "NO", r  # has children
    c.ok(f'DELETE "{root}/kid"')
    c.ok(f'DELETE "{root}"')
    r = c.cmd(f'DELETE "{root}"')
    assert r.status == "NO" and b"[NONEXISTENT]" in r.tagged, r
    r = c.ok(f'LIST "" "{root}*"')
    assert r.lines("LIST") == [], r
    # deleting the selected mailbox leaves the selected state
    c.ok(f'CREATE "{root}"')
    c.select(root)
    c.ok(f'DELETE "{root}"')
    r = c.cmd("FETCH 1 FLAGS")
    assert r.status == "BAD", r
    c.logout()


def status_of(c, mailbox, items="MESSAGES UIDNEXT UIDVALIDITY UNSEEN"):
    r = c.ok(f'STATUS "{mailbox}" ({items})')
    [line] = r.lines("STATUS ")
    inner = line[line.rindex("(") + 1:-1].split()
    return {k: int(v) for k, v in zip(inner[::2], inner[1::2])}


def test_rename_with_children_keeps_uids(srv):
    c = Imap(srv)
    c.login("alice")
    c.ok('CREATE "p/q"')
    c.append("p/q", msg("one"))
    c.append("p/q", msg("two"))
    before = status_of(c, "p/q")
    c.ok('SUBSCRIBE "p/q"')
    c.ok('RENAME "p" "r/s"')
    lst = listing(c.ok('LIST "" "*"'))
    assert "p" not in lst and "p/q" not in lst, lst
    assert {"r", "r/s", "r/s/q"} <= set(lst), lst
    after = status_of(c, "r/s/q")
    assert after == before, (before, after)
    r = c.ok("SELECT r/s/q")
    r = c.ok("UID FETCH 1:* (UID)")
    assert [d["UID"] for _, d in r.fetches()] == ["1", "2"], r
    # the subscription followed
    assert "r/s/q" in listing(c.ok('LSUB "" "*"'), "LSUB")
    # below itself / onto an existing name
    r = c.cmd('RENAME "r" "r/s/q/x"')
    assert r.status == "NO", r
    r = c.cmd('RENAME "r/s/q" "Sent"')
    assert r.status == "NO" and b"[ALREADYEXISTS]" in r.tagged, r
    r = c.cmd('RENAME "nonexistent" "zz"')
    assert r.status == "NO", r
    c.logout()


def test_rename_inbox_special_rule(srv):
    c = Imap(srv)
    c.login("rename")
    uids = [c.append("INBOX", msg(f"m{i}"), flags="\\Flagged" if i == 1 else "") for i in range(3)]
    inbox_before = status_of(c, "INBOX")
    assert inbox_before["MESSAGES"] == 3
    c.ok('CREATE "INBOX/child"')
    c.ok('RENAME "INBOX" "Old Mail"')
    inbox = status_of(c, "INBOX")
    old = status_of(c, "Old Mail")
    assert inbox["MESSAGES"] == 0, inbox
    assert inbox["UIDVALIDITY"] == inbox_before["UIDVALIDITY"], inbox
    assert inbox["UIDNEXT"] == inbox_before["UIDNEXT"], (inbox_before, inbox)
    assert old["MESSAGES"] == 3, old
    assert old["UIDVALIDITY"] != inbox["UIDVALIDITY"], (old, inbox)
    # INBOX's children stay
    assert "INBOX/child" in listing(c.ok('LIST "" "*"'))
    c.select("Old Mail")
    r = c.ok("FETCH 1:* (UID FLAGS)")
    got = [(d["UID"], d["FLAGS"]) for _, d in r.fetches()]
    assert [g[0] for g in got] == ["1", "2", "3"], got
    assert "\\Flagged" in got[1][1], got
    # new mail goes to INBOX with UIDs after the old ones (never reused)
    u = c.append("INBOX", msg("after"))
    assert u == inbox_before["UIDNEXT"], (u, inbox_before)
    assert u > max(uids)
    c.logout()


def test_subscribe_lsub_and_list_extended(srv):
    c = Imap(srv)
    c.login("alice")
    root = f"sub{token()}"
    c.ok(f'CREATE "{root}/a"')
    c.ok(f'CREATE "{root}/b"')
    c.ok(f'SUBSCRIBE "{root}/a"')
    r = c.ok(f'LSUB "" "{root}/*"')
    assert set(listing(r, "LSUB")) == {f"{root}/a"}, r
    r = c.ok(f'LIST (SUBSCRIBED) "" "{root}/*"')
    lst = listing(r)
    assert set(lst) == {f"{root}/a"} and "\\Subscribed" in lst[f"{root}/a"], r
    # RECURSIVEMATCH: the unsubscribed parent is listed with CHILDINFO (RFC 5258 §3.5)
    r = c.ok(f'LIST (SUBSCRIBED RECURSIVEMATCH) "" "{root}"')
    lines = r.lines("LIST")
    assert len(lines) == 1 and '("CHILDINFO" ("SUBSCRIBED"))' in lines[0], r
    # RETURN (SUBSCRIBED CHILDREN)
    r = c.ok(f'LIST "" "{root}*" RETURN (SUBSCRIBED CHILDREN)')
    lst = listing(r)
    assert "\\Subscribed" in lst[f"{root}/a"] and "\\Subscribed" not in lst[f"{root}/b"], r
    assert "\\HasChildren" in lst[root], r
    c.ok(f'UNSUBSCRIBE "{root}/a"')
    r = c.ok(f'LSUB "" "{root}/*"')
    assert r.lines("LSUB") == [], r
    # a subscription to a name that does not exist: \NonExistent in LIST (SUBSCRIBED)
    c.ok(f'SUBSCRIBE "{root}/ghost"')
    r = c.ok(f'LIST (SUBSCRIBED) "" "{root}/*"')
    lst = listing(r)
    assert "\\NonExistent" in lst[f"{root}/ghost"] and "\\Subscribed" in lst[f"{root}/ghost"], r
    c.logout()


def test_list_patterns(srv):
    c = Imap(srv)
    c.login("alice")
    root = f"pat{token()}"
    for n in ("a", "a/x", "a/x/y", "b"):
        c.ok(f'CREATE "{root}/{n}"')
    assert set(listing(c.ok(f'LIST "" "{root}/%"'))) == {f"{root}/a", f"{root}/b"}
    assert set(listing(c.ok(f'LIST "" "{root}/*"'))) == {f"{root}/a", f"{root}/a/x", f"{root}/a/x/y", f"{root}/b"}
    assert set(listing(c.ok(f'LIST "{root}/" "%"'))) == {f"{root}/a", f"{root}/b"}
    assert set(listing(c.ok(f'LIST "" "{root}/%/%"'))) == {f"{root}/a/x"}
    assert set(listing(c.ok(f'LIST "" "{root}/*y"'))) == {f"{root}/a/x/y"}
    # INBOX matches case-insensitively
    assert set(listing(c.ok('LIST "" "inbox"'))) == {"INBOX"}
    # several patterns (LIST-EXTENDED)
    assert set(listing(c.ok(f'LIST "" ("{root}/a" "{root}/b")'))) == {f"{root}/a", f"{root}/b"}
    c.logout()


def test_list_status(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "ls")
    c.append(box, msg("1"), flags="\\Seen")
    c.append(box, msg("2"))
    r = c.ok(f'LIST "" "{box}" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT SIZE))')
    assert len(r.lines("LIST")) == 1, r
    [st] = r.lines("STATUS")
    assert re.fullmatch(rf'STATUS "?{box}"? \(MESSAGES 2 UNSEEN 1 UIDNEXT 3 SIZE \d+\)', st), st
    # the STATUS follows its LIST line
    idx = [i for i, u in enumerate(r.untagged) if u.startswith(b"* LIST")][0]
    assert r.untagged[idx + 1].startswith(b"* STATUS"), r
    c.logout()


def test_non_ascii_names_mutf7_and_utf8(srv):
    c = Imap(srv)
    c.login("alice")
    tok = token()
    mutf7 = f"Entw&APw-rfe-{tok}/Gr&APYA3w-e"
    utf8 = f"Entwürfe-{tok}/Größe"
    c.ok(f'CREATE "{mutf7}"')
    r = c.ok(f'LIST "" "Entw*{tok}*"')
    assert set(listing(r)) == {f"Entw&APw-rfe-{tok}", mutf7}, r
    # invalid modified UTF-7 is refused
    r = c.cmd(f'CREATE "bad&Jjo{tok}"')
    assert r.status in ("BAD", "NO"), r
    c.ok("ENABLE UTF8=ACCEPT")
    r = c.ok(f'LIST "" "Entw*{tok}*"')
    assert set(listing(r)) == {f"Entwürfe-{tok}", utf8}, r
    st = status_of(c, utf8)
    assert st["MESSAGES"] == 0
    c.append(utf8, msg("x"))
    c.select(utf8)
    c.logout()
    # a rev1 client still sees modified UTF-7
    c = Imap(srv)
    c.login("alice")
    r = c.ok(f'LIST "" "*{tok}/*"')
    assert set(listing(r)) == {mutf7}, r
    assert status_of(c, mutf7)["MESSAGES"] == 1
    c.logout()


def test_status_every_item(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "st")
    m1, m2, m3 = msg("1"), msg("2", body="x" * 100 + "\r\n"), msg("3")
    c.append(box, m1, flags="\\Seen")
    c.append(box, m2, flags="\\Deleted")
    u3 = c.append(box, m3, flags="\\Seen \\Deleted")
    r = c.ok(f'STATUS "{box}" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT)')
    [line] = r.lines("STATUS")
    m = re.fullmatch(r'STATUS "?([^" ]+)"? \(MESSAGES 3 UIDNEXT 4 UIDVALIDITY (\d+) UNSEEN 1 DELETED 2 '
                     rf'SIZE {len(m1) + len(m2) + len(m3)} HIGHESTMODSEQ (\d+) APPENDLIMIT (\d+)\)', line)
    assert m, line
    assert m.group(1) == box and u3 == 3
    sel = c.select(box)
    assert f"OK [UIDVALIDITY {m.group(2)}] UIDs valid" in sel.lines(), sel
    assert any(l.startswith(f"OK [HIGHESTMODSEQ {m.group(3)}]") for l in sel.lines()), sel
    r = c.cmd('STATUS "nonexistent-x" (MESSAGES)')
    assert r.status == "NO" and b"[NONEXISTENT]" in r.tagged, r
    r = c.cmd(f'STATUS "{box}" (BOGUS)')
    assert r.status == "BAD", r
    c.logout()


def test_uidvalidity_and_uids_survive_restart(aux):
    s = aux
    c = Imap(s)
    c.login("alice")
    box = new_box(c, "keep")
    for i in range(3):
        c.append(box, msg(f"m{i}"))
    c.select(box)
    c.ok("UID STORE 3 +FLAGS (\\Deleted)")
    c.ok("EXPUNGE")
    before = status_of(c, box)
    inbox_before = status_of(c, "INBOX")
    c.logout()
    assert s.stop() == 0
    s.start()
    c = Imap(s)
    c.login("alice")
    assert status_of(c, box) == before
    assert status_of(c, "INBOX")["UIDVALIDITY"] == inbox_before["UIDVALIDITY"]
    assert c.append(box, msg("new")) == 4  # UID 3 is never handed out again
    c.select(box)
    r = c.ok("UID FETCH 1:* UID")
    assert [d["UID"] for _, d in r.fetches()] == ["1", "2", "4"], r
    c.logout()


# ---- 3. messages -----------------------------------------------------------------------------

def test_append_flags_date_appenduid(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "ap")
    st = status_of(c, box)
    m = msg("dated")
    r = c.ok(f'APPEND "{box}" (\\Seen $Forwarded MyKeyword) "05-Mar-2021 14:15:16 +0000" {{}}', m)
    assert r.tagged.startswith(f"OK [APPENDUID {st['UIDVALIDITY']} 1]".encode()), r
    r = c.ok(f'APPEND "{box}" "05-Mar-2021 14:15:16 +0100" {{}}', m)
    assert r.tagged.startswith(f"OK [APPENDUID {st['UIDVALIDITY']} 2]".encode()), r
    c.select(box)
    r = c.ok("FETCH 1:2 (FLAGS INTERNALDATE RFC822.SIZE)")
    (_, d1), (_, d2) = r.fetches()
    assert sorted(d1["FLAGS"]) == sorted(["\\Seen", "$Forwarded", "MyKeyword"]), d1
    # date-day-fixed is (SP DIGIT) / 2DIGIT (RFC 9051 §9)
    assert d1["INTERNALDATE"] in (b"05-Mar-2021 14:15:16 +0000", b" 5-Mar-2021 14:15:16 +0000"), d1
    # the same instant; the zone may be normalized
    assert d2["INTERNALDATE"].lstrip(b" 0") in (b"5-Mar-2021 14:15:16 +0100", b"5-Mar-2021 13:15:16 +0000"), d2
    assert d1["RFC822.SIZE"] == str(len(m)), d1
    r = c.ok("FETCH 1 BODY.PEEK[]")
    assert r.fetches()[0][1]["BODY[]"] == m
    # a keyword used in the mailbox shows up in FLAGS / PERMANENTFLAGS at SELECT
    sel = c.select(box)
    flags = [l for l in sel.lines("FLAGS")][0]
    assert "MyKeyword" in flags and "$Junk" in flags, flags
    perm = [l for l in sel.lines("OK [PERMANENTFLAGS")][0]
    assert "\\*" in perm and "MyKeyword" in perm, perm
    # errors
    r = c.cmd(f'APPEND "{box}" (\\Recent) {{}}', m)
    assert r.status in ("BAD", "NO"), r
    r = c.cmd(f'APPEND "{box}" "99-Foo-2021 14:15:16 +0000" {{}}', m)
    assert r.status == "BAD", r
    c.logout()


def test_append_to_selected_mailbox_reports_exists(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "ex")
    c.select(box)
    r = c.ok(f'APPEND "{box}" {{}}', msg("a"))
    assert "1 EXISTS" in r.lines(), r
    c.logout()


def test_trycreate(srv):
    c = Imap(srv)
    c.login("alice")
    r = c.cmd(f'APPEND "missing-{token()}" {{}}', msg("x"))
    assert r.status == "NO" and r.tagged.startswith(b"NO [TRYCREATE]"), r
    box = new_box(c, "tc")
    c.append(box, msg("x"))
    c.select(box)
    for cmd in ("COPY", "MOVE"):
        r = c.cmd(f'{cmd} 1 "missing-{token()}"')
        assert r.status == "NO" and r.tagged.startswith(b"NO [TRYCREATE]"), r
    c.logout()


def test_literal_plus_and_multiappend(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "lp")
    uv = status_of(c, box)["UIDVALIDITY"]
    # LITERAL+: no continuation request; the server must not send "+"
    c.send(f'l1 APPEND "{box}" {{5+}}\r\nab\r\n\r\n'.encode())
    r = c.collect("l1")
    assert r.status == "OK" and not any(u.startswith(b"+") for u in r.untagged), r
    # MULTIAPPEND: three messages, consecutive UIDs
    m1, m2, m3 = msg("m1"), msg("m2"), msg("m3")
    r = c.ok(f'APPEND "{box}" (\\Seen) {{}} {{}} (\\Flagged) "01-Feb-2022 00:00:00 +0000" {{}}', m1, m2, m3)
    assert r.tagged.startswith(f"OK [APPENDUID {uv} 2:4]".encode()), r
    c.select(box)
    r = c.ok("FETCH 2:4 (FLAGS BODY.PEEK[])")
    got = [(d["FLAGS"], d["BODY[]"]) for _, d in r.fetches()]
    assert got == [(["\\Seen"], m1), ([], m2), (["\\Flagged"], m3)], got
    # LITERAL+ with MULTIAPPEND in one write
    r = c.cmd(f'APPEND "{box}" {{}} {{}}', m1, m2, plus=True)
    assert r.status == "OK" and b"APPENDUID" in r.tagged, r
    c.logout()


def test_multiappend_atomic_when_too_big(aux):
    s = aux
    c = Imap(s)
    r = c.login("alice")
    assert "APPENDLIMIT=4096" in caps_of(r.text)
    box = new_box(c, "at")
    small, big = msg("small"), msg("big", body="x" * 5000)
    # the second literal is refused before it is sent: no "+", NO [TOOBIG]
    c.send(f'm1 APPEND "{box}" {{{len(small)}}}\r\n'.encode())
    assert c.read_response().startswith(b"+")
    c.send(small + f" {{{len(big)}}}\r\n".encode())
    r = c.read_response()
    assert r.startswith(b"m1 NO [TOOBIG]"), r
    # the connection stays usable and nothing was appended
    assert status_of(c, box)["MESSAGES"] == 0
    # a literal+ that is too big is read and dropped; still nothing appended
    r = c.cmd(f'APPEND "{box}" {{}} {{}}', small, big, plus=True)
    assert r.status in ("NO", "BAD") and b"TOOBIG" in r.tagged, r
    assert status_of(c, box)["MESSAGES"] == 0
    c.append(box, small)
    assert status_of(c, box)["MESSAGES"] == 1
    c.logout()


def test_quota_overquota_and_getquotaroot(srv):
    c = Imap(srv)
    c.login("alice")
    r = c.ok("GETQUOTAROOT INBOX")
    assert r.lines("QUOTAROOT") in (["QUOTAROOT INBOX"], ['QUOTAROOT "INBOX"']), r  # no limit: no root
    r = c.cmd('GETQUOTA ""')
    assert r.status == "NO", r
    c.logout()
    user = "quota-" + token()[:6]
    srv.add_user(user, quota="40K")
    c = Imap(srv)
    c.login(user)
    r = c.ok("GETQUOTAROOT INBOX")
    assert r.lines("QUOTAROOT") in (['QUOTAROOT INBOX ""'], ['QUOTAROOT "INBOX" ""']), r
    assert r.lines("QUOTA ") == ['QUOTA "" (STORAGE 0 40)'], r
    c.append("INBOX", msg("a", body="y" * 21000 + "\r\n"))
    r = c.ok('GETQUOTA ""')
    [q] = r.lines("QUOTA ")
    used = int(re.match(r'QUOTA "" \(STORAGE (\d+) 40\)', q).group(1))
    assert 20 <= used <= 22, q
    r = c.cmd("APPEND INBOX {}", msg("b", body="y" * 30000 + "\r\n"))
    assert r.status == "NO" and r.tagged.startswith(b"NO [OVERQUOTA]"), r
    # MULTIAPPEND: together over quota -> nothing stored
    r = c.cmd("APPEND INBOX {} {}", msg("c", body="z" * 12000), msg("d", body="z" * 12000))
    assert r.status == "NO" and b"[OVERQUOTA]" in r.tagged, r
    assert status_of(c, "INBOX")["MESSAGES"] == 1
    # COPY over quota
    c.select("INBOX")
    r = c.cmd("COPY 1 Archive")
    assert r.status == "NO" and b"[OVERQUOTA]" in r.tagged, r
    r = c.cmd('SETQUOTA "" (STORAGE 100)')
    assert r.status == "NO", r
    # the administrator raises it while the server runs
    srv.cli("user", "quota", "--data", srv.data, srv.addr(user), "1M", check=True)
    c.ok("COPY 1 Archive")
    r = c.ok('GETQUOTA ""')
    assert re.match(r'QUOTA "" \(STORAGE \d+ 1024\)', r.lines("QUOTA ")[0]), r
    c.logout()


def test_fetch_every_item(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "f")
    c.append(box, MULTIPART, date="02-Jan-2023 10:00:00 +0000")
    c.select(box)
    r = c.ok("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE UID MODSEQ EMAILID THREADID SAVEDATE PREVIEW)")
    [(seq, d)] = r.fetches()
    assert seq == 1
    assert d["FLAGS"] == [] and d["UID"] == "1", d
    assert d["INTERNALDATE"] in (b"02-Jan-2023 10:00:00 +0000", b" 2-Jan-2023 10:00:00 +0000"), d
    assert d["RFC822.SIZE"] == str(len(MULTIPART)), d
    assert len(d["MODSEQ"]) == 1 and int(d["MODSEQ"][0]) > 0, d
    assert len(d["EMAILID"]) == 1 and re.fullmatch(r"[A-Za-z0-9_-]{1,255}", d["EMAILID"][0]), d
    assert d["THREADID"] is None or isinstance(d["THREADID"], list), d
    assert re.fullmatch(rb"\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}", d["SAVEDATE"]), d
    assert d["PREVIEW"].decode() == "Hello Wörld, this is the preview text.", d
    r = c.ok("FETCH 1 (ENVELOPE)")
    env = r.fetches()[0][1]["ENVELOPE"]
    assert env[0] == b"Mon, 02 Jan 2023 10:00:00 +0000", env
    assert env[1] == b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= multipart", env  # rev1: the raw header
    assert env[2] == [[b"Ann Example", None, b"ann", b"example.test"]], env
    assert env[3] == env[2] and env[4] == env[2], env  # Sender, Reply-To default to From
    assert env[5] == [[b"Bob", None, b"bob", b"example.test"]], env
    assert env[6] == [[None, None, b"carol", b"example.test"]], env
    assert env[7] is None and env[8] is None, env
    assert env[9] == b"<multi1@example.test>", env
    r = c.ok("FETCH 1 (BODYSTRUCTURE BODY)")
    d = r.fetches()[0][1]
    bs = d["BODYSTRUCTURE"]
    p1, p2 = bs[0], bs[1]
    assert bs[2] == b"mixed" and bs[3] == [b"boundary", b"XX"], bs
    assert p1[:7] == [b"text", b"plain", [b"charset", b"utf-8"], None, None, b"quoted-printable",
                      str(len(PART1_BODY))], p1
    assert p1[7] in ("0", "1"), p1  # lines (the CRLF before the boundary is not the part's)
    assert p2[:7] == [b"application", b"octet-stream", [b"name", b"a.bin"], None, None, b"base64", "8"], p2
    body = d["BODY"]
    assert body[0][:7] == p1[:7] and body[2] == b"mixed" and len(body) == 3, body
    r = c.ok("FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2] "
             "BODY.PEEK[HEADER.FIELDS (Subject CC)] BODY.PEEK[HEADER.FIELDS.NOT (Subject Cc Date)] "
             "BODY.PEEK[]<10.20> BODY.PEEK[TEXT]<0.8> BODY.PEEK[3] FLAGS)")
    d = r.fetches()[0][1]
    assert d["BODY[HEADER]"] == MP_HEADER
    assert d["BODY[TEXT]"] == MP_TEXT
    assert d["BODY[1]"] == PART1_BODY
    assert d["BODY[1.MIME]"] == PART1_MIME
    assert d["BODY[2]"] == b"AAECAwQ="
    assert d["BODY[HEADER.FIELDS (SUBJECT CC)]"] == (b"Cc: carol@example.test\r\n"
                                                      b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= multipart\r\n\r\n"), d
    hnot = d["BODY[HEADER.FIELDS.NOT (SUBJECT CC DATE)]"]
    assert b"Subject:" not in hnot and b"Date:" not in hnot and hnot.startswith(b"From: ") and \
        hnot.endswith(b"\r\n\r\n"), hnot
    assert d["BODY[]<10>"] == MULTIPART[10:30], d
    assert d["BODY[TEXT]<0>"] == MP_TEXT[:8], d
    assert d["BODY[3]"] == b"", d
    assert d["FLAGS"] == [], "BODY.PEEK must not set \\Seen"
    r = c.ok("FETCH 1 (BINARY[1] BINARY.PEEK[2] BINARY.SIZE[1] BINARY.SIZE[2] BINARY[2]<1.3>)")
    d = r.fetches()[0][1]
    assert d["BINARY[1]"] == "Hello Wörld, this is the preview text.".encode(), d
    assert d["BINARY[2]"] == b"\x00\x01\x02\x03\x04", d
    assert b"~{5}\r\n" in r.untagged[0], "literal8 for NUL bytes (RFC 3516 §4.3)"
    assert d["BINARY.SIZE[1]"] == str(len("Hello Wörld, this is the preview text.".encode())), d
    assert d["BINARY.SIZE[2]"] == "5", d
    assert d["BINARY[2]<1>"] == b"\x01\x02\x03", d
    assert "\\Seen" in d["FLAGS"], "BINARY[] (not PEEK) sets \\Seen and reports FLAGS"
    c.ok("STORE 1 -FLAGS (\\Seen)")
    r = c.ok("FETCH 1 (RFC822.HEADER RFC822.TEXT)")
    d = r.fetches()[0][1]
    assert d["RFC822.HEADER"] == MP_HEADER and d["RFC822.TEXT"] == MP_TEXT, d
    assert "FLAGS" not in d or "\\Seen" in d["FLAGS"], d
    c.ok("STORE 1 -FLAGS (\\Seen)")
    r = c.ok("FETCH 1 RFC822")
    d = r.fetches()[0][1]
    assert d["RFC822"] == MULTIPART and "\\Seen" in d["FLAGS"], d
    c.ok("STORE 1 -FLAGS (\\Seen)")
    r = c.ok("FETCH 1 BODY[]")
    d = r.fetches()[0][1]
    assert d["BODY[]"] == MULTIPART and d["FLAGS"] == ["\\Seen"], d
    r = c.ok("FETCH 1 (FLAGS)")
    assert r.fetches()[0][1]["FLAGS"] == ["\\Seen"], r
    # macros
    r = c.ok("FETCH 1 FAST")
    assert set(r.fetches()[0][1]) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE"}, r
    r = c.ok("FETCH 1 ALL")
    assert set(r.fetches()[0][1]) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"}, r
    r = c.ok("FETCH 1 FULL")
    assert set(r.fetches()[0][1]) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"}, r
    # errors
    r = c.cmd("FETCH 1 (BOGUS)")
    assert r.status == "BAD", r
    # RFC 9051 §9 seq-number: a number above the message count is BAD (as Dovecot answers)
    for bad in ("FETCH 5 FLAGS", "FETCH 1:5 FLAGS", "STORE 2 +FLAGS (x)", "COPY 3 INBOX", "MOVE 1,4 INBOX"):
        r = c.cmd(bad)
        assert r.status == "BAD" and r.fetches() == [], (bad, r)
    assert c.ok("FETCH 1:* UID").fetches()[0][1]["UID"] == "1"
    r = c.ok("UID FETCH 99 FLAGS")
    assert r.fetches() == [], r
    r = c.ok("UID FETCH 1 (FLAGS)")
    assert r.fetches()[0][1]["UID"] == "1", r
    c.logout()


def test_fetch_big_message_streams_byte_identical(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "big")
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-=+_()*&^%$#@!~<>,./?;:|\r\n"
    big = msg("big", body="") + line * (20 * 1024 * 1024 // len(line))
    c.append(box, big)
    c.select(box)
    rss0 = srv.rss_kb()
    t0 = time.monotonic()
    r = c.ok("FETCH 1 (RFC822.SIZE BODY.PEEK[])")
    d = r.fetches()[0][1]
    assert d["RFC822.SIZE"] == str(len(big))
    assert d["BODY[]"] == big
    r = c.ok("FETCH 1 BODY.PEEK[TEXT]<1000.5000000>")
    assert r.fetches()[0][1]["BODY[TEXT]<1000>"] == big[big.index(b"\r\n\r\n") + 4 + 1000:][:5000000]
    assert time.monotonic() - t0 < 30
    # streamed: the process did not grow by anything like the message size
    assert srv.rss_kb() - rss0 < 15 * 1024, (rss0, srv.rss_kb())
    c.logout()


def expand_set(text):
    out = []
    for part in text.split(","):
        a, _, b = part.partition(":")
        lo, hi = int(a), int(b or a)
        out += list(range(min(lo, hi), max(lo, hi) + 1))
    return out


def copyuid(text):
    """(uidvalidity, source uids, destination uids) of a COPYUID code in `text`."""
    if isinstance(text, bytes):
        text = text.decode()
    m = re.search(r"\[COPYUID (\d+) ([0-9:,]+) ([0-9:,]+)\]", text)
    assert m, text
    return int(m.group(1)), expand_set(m.group(2)), expand_set(m.group(3))


def store_setup(c, n=4, prefix="s"):
    box = new_box(c, prefix)
    for i in range(n):
        c.append(box, msg(f"m{i}"))
    c.select(box)
    return box


def test_store_flags_silent_keywords(srv):
    c = Imap(srv)
    c.login("alice")
    store_setup(c)
    r = c.ok("STORE 1 +FLAGS (\\Flagged $Junk)")
    assert [(s, d["FLAGS"]) for s, d in r.fetches()] == [(1, ["\\Flagged", "$Junk"])], r
    r = c.ok("STORE 1 -FLAGS (\\Flagged)")
    assert [(s, d["FLAGS"]) for s, d in r.fetches()] == [(1, ["$Junk"])], r
    r = c.ok("STORE 2:3 FLAGS (\\Answered custom1)")
    assert [(s, d["FLAGS"]) for s, d in r.fetches()] == [(2, ["\\Answered", "custom1"]),
                                                        (3, ["\\Answered", "custom1"])], r
    r = c.ok("STORE 1:4 +FLAGS.SILENT (\\Seen)")
    assert r.fetches() == [], r
    r = c.ok("UID STORE 4 FLAGS.SILENT ()")
    assert r.fetches() == [], r
    r = c.ok("FETCH 1:4 FLAGS")
    assert [sorted(d["FLAGS"]) for _, d in r.fetches()] == [
        ["$Junk", "\\Seen"], ["\\Answered", "\\Seen", "custom1"], ["\\Answered", "\\Seen", "custom1"], []], r
    r = c.ok("UID STORE 2 -FLAGS (custom1)")
    assert [(s, d["UID"], d["FLAGS"]) for s, d in r.fetches()] == [(2, "2", ["\\Answered", "\\Seen"])], r
    # \Recent cannot be stored; invalid flags are BAD
    r = c.cmd("STORE 1 +FLAGS (\\Recent)")
    assert r.status in ("BAD", "NO"), r
    r = c.cmd("STORE 1 +FLAGS (\\Bogus)")
    assert r.status == "BAD", r
    # EXAMINE: read-only
    box2 = new_box(c, "ro")
    c.append(box2, msg("r"))
    c.ok(f'EXAMINE "{box2}"')
    r = c.cmd("STORE 1 +FLAGS (\\Seen)")
    assert r.status == "NO", r
    r = c.ok("FETCH 1 BODY[TEXT]")
    assert r.fetches()[0][1].get("FLAGS") in (None, []), "EXAMINE must not set \\Seen"
    c.logout()


def test_store_unchangedsince_modified(srv):
    c = Imap(srv)
    c.login("alice")
    store_setup(c, 3)
    r = c.ok("FETCH 1:3 (MODSEQ)")
    ms = {s: int(d["MODSEQ"][0]) for s, d in r.fetches()}
    c.ok("STORE 2 +FLAGS.SILENT (\\Flagged)")
    r = c.ok(f"STORE 1:3 (UNCHANGEDSINCE {max(ms.values())}) +FLAGS (\\Seen)")
    assert r.tagged.startswith(b"OK [MODIFIED 2]"), r
    got = {s: d for s, d in r.fetches()}
    assert set(got) == {1, 3}, r
    assert "\\Seen" in got[1]["FLAGS"] and int(got[1]["MODSEQ"][0]) > max(ms.values()), got
    r = c.ok("UID STORE 1:3 (UNCHANGEDSINCE 1) FLAGS (x)")
    m = re.match(rb"OK \[MODIFIED ([0-9:,]+)\]", r.tagged)
    assert m and m.group(1) in (b"1:3", b"1,2,3"), r
    r = c.ok("FETCH 2 (FLAGS)")
    assert r.fetches()[0][1]["FLAGS"] == ["\\Flagged"], r
    c.logout()


def test_copy_move_copyuid(srv):
    c = Imap(srv)
    c.login("alice")
    src = store_setup(c, 4, "src")
    dst = new_box(c, "dst")
    dv = status_of(c, dst)["UIDVALIDITY"]
    c.ok("STORE 2 +FLAGS (\\Flagged)")
    r = c.ok(f'COPY 1:2 "{dst}"')
    assert copyuid(r.tagged) == (dv, [1, 2], [1, 2]), r
    r = c.ok(f'UID COPY 4 "{dst}"')
    assert copyuid(r.tagged) == (dv, [4], [3]), r
    # MOVE: untagged OK [COPYUID] before the EXPUNGEs (RFC 6851 §4.3)
    r = c.ok(f'MOVE 2:3 "{dst}"')
    assert r.untagged[0].startswith(b"* OK [COPYUID ") and copyuid(r.untagged[0]) == (dv, [2, 3], [4, 5]), r
    assert r.untagged[1:] == [b"* 3 EXPUNGE", b"* 2 EXPUNGE"], r
    r = c.ok("FETCH 1:* UID")
    assert [d["UID"] for _, d in r.fetches()] == ["1", "4"], r
    r = c.ok(f'UID MOVE 4 "{dst}"')
    assert r.untagged[0].startswith(b"* OK [COPYUID ") and copyuid(r.untagged[0]) == (dv, [4], [6]), r
    assert r.lines("2 EXPUNGE"), r
    c.select(dst)
    r = c.ok("FETCH 1:* (UID FLAGS)")
    assert [d["UID"] for _, d in r.fetches()] == ["1", "2", "3", "4", "5", "6"], r
    assert "\\Flagged" in r.fetches()[1][1]["FLAGS"] and "\\Flagged" in r.fetches()[3][1]["FLAGS"], r
    # with QRESYNC: VANISHED instead of EXPUNGE
    c.ok("ENABLE QRESYNC")
    r = c.ok(f'MOVE 1:2 "{src}"')
    assert r.lines("VANISHED 1:2"), r
    assert not r.lines("1 EXPUNGE"), r
    # copying to the same mailbox
    r = c.ok(f'COPY 1 "{dst}"')
    assert b"COPYUID" in r.tagged and "5 EXISTS" in r.lines(), r
    c.logout()


def test_expunge_uid_expunge_close_unselect(srv):
    c = Imap(srv)
    c.login("alice")
    box = store_setup(c, 6, "ex")
    c.ok("STORE 2,4:5 +FLAGS.SILENT (\\Deleted)")
    r = c.ok("UID EXPUNGE 1:4")
    assert [u for u in r.untagged] == [b"* 4 EXPUNGE", b"* 2 EXPUNGE"], r
    r = c.ok("EXPUNGE")
    assert r.untagged == [b"* 3 EXPUNGE"], r  # uid 5 was seq 3 now
    r = c.ok("FETCH 1:* UID")
    assert [d["UID"] for _, d in r.fetches()] == ["1", "3", "6"], r
    # UNSELECT does not expunge; CLOSE does, silently
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    r = c.ok("UNSELECT")
    assert r.untagged == [], r
    assert status_of(c, box)["MESSAGES"] == 3
    c.select(box)
    r = c.ok("CLOSE")
    assert r.untagged == [], r
    assert status_of(c, box)["MESSAGES"] == 2
    r = c.cmd("FETCH 1 FLAGS")
    assert r.status == "BAD", r
    # EXAMINE + CLOSE: nothing expunged
    c.select(box)
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    c.ok(f'EXAMINE "{box}"')
    r = c.cmd("EXPUNGE")
    assert r.status == "NO", r
    c.ok("CLOSE")
    assert status_of(c, box)["MESSAGES"] == 2
    c.logout()


# ---- SEARCH / SORT / THREAD ------------------------------------------------------------------

SEARCH_MSGS = [
    # (append date, flags, message)
    ("01-Jan-2023 12:00:00 +0000", "\\Seen",
     msg("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", body="An apple and a banana.\r\n", frm="Ann <ann@a.test>",
         date="Sun, 01 Jan 2023 12:00:00 +0000")),
    ("05-Feb-2023 12:00:00 +0000", "\\Flagged custom",
     msg("Meeting", body="cherry " * 800 + "\r\n", frm="Bob <bob@b.test>", to="zed@z.test",
         date="Sun, 05 Feb 2023 12:00:00 +0000")),
    ("10-Mar-2023 12:00:00 +0000", "",
     msg("Re: Meeting", body="Apple PIE for everyone.\r\n", frm="Carol <carol@c.test>", to="amy@a.test",
         date="Fri, 10 Mar 2023 12:00:00 +0000", extra="X-Custom: hello there\r\n")),
    ("20-Apr-2023 12:00:00 +0000", "\\Deleted",
     msg("=?ISO-8859-1?Q?=C4rger?=", body="nothing to see\r\n", frm="Dave <dave@d.test>", to="bob@b.test",
         date="Thu, 20 Apr 2023 12:00:00 +0000")),
]


@pytest.fixture(scope="module")
def search_box(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "alice")
    for date, flags, m in SEARCH_MSGS:
        c.append(box, m, flags=flags, date=date)
    # Selecting it read-write once claims \Recent (RFC 3501 §2.3.2): later sessions see
    # RECENT/NEW empty and OLD everything, whatever the test order.
    c.ok(f'SELECT "{box}"')
    c.ok("UNSELECT")
    c.logout()
    return box


def nums(r, kind="SEARCH"):
    [line] = r.lines(kind)
    line = line[len(kind):].strip()
    line = re.sub(r"\(MODSEQ \d+\)", "", line).strip()
    return [int(x) for x in line.split()] if line else []


@pytest.mark.parametrize("criteria,expected", [
    ("ALL", [1, 2, 3, 4]),
    ("SEEN", [1]), ("UNSEEN", [2, 3, 4]), ("FLAGGED", [2]), ("DELETED", [4]), ("UNDELETED", [1, 2, 3]),
    ("KEYWORD custom", [2]), ("UNKEYWORD custom", [1, 3, 4]), ("ANSWERED", []), ("UNANSWERED", [1, 2, 3, 4]),
    ("DRAFT", []), ("NEW", []), ("OLD", [1, 2, 3, 4]), ("RECENT", []),
    ("FROM ann", [1]), ("FROM BOB@B.TEST", [2]), ("TO bob", [1, 4]), ("CC nobody", []),
    ("SUBJECT meeting", [2, 3]), ('SUBJECT "re: meet"', [3]),
    ("HEADER X-Custom hello", [3]), ('HEADER X-Custom ""', [3]), ("HEADER Message-ID example.test", [1, 2, 3, 4]),
    ("BODY apple", [1, 3]), ("BODY meeting", []), ("TEXT meeting", [2, 3]), ("TEXT anana", [1]),
    ("BODY cherry", [2]), ("TEXT pie", [3]), ("TEXT example.test", [1, 2, 3, 4]),
    ("LARGER 3000", [2]), ("SMALLER 3000", [1, 3, 4]),
    ("BEFORE 05-Feb-2023", [1]), ("ON 05-Feb-2023", [2]), ("SINCE 10-Mar-2023", [3, 4]),
    ("SENTBEFORE 05-Feb-2023", [1]), ("SENTON 10-Mar-2023", [3]), ("SENTSINCE 10-Mar-2023", [3, 4]),
    ("OR FROM ann FROM carol", [1, 3]), ("NOT SEEN", [2, 3, 4]), ("(OR SEEN FLAGGED) NOT DELETED", [1, 2]),
    ("OR (FROM ann SEEN) (OR DELETED SUBJECT meeting)", [1, 2, 3, 4]), ("NOT (OR SEEN (OR FLAGGED DELETED))", [3]),
    ("2:*", [2, 3, 4]), ("1,3", [1, 3]), ("UID 2:3", [2, 3]), ("UID 3:*", [3, 4]), ("*", [4]),
    ("SEEN UNSEEN", []),
])
def test_search_keys(srv, search_box, criteria, expected):
    c = Imap(srv)
    c.login("alice")
    c.ok(f'EXAMINE "{search_box}"')
    assert nums(c.ok(f"SEARCH {criteria}")) == expected, criteria
    assert nums(c.ok(f"UID SEARCH {criteria}")) == expected, criteria  # UIDs == seqs here
    c.logout()


def test_search_charsets_and_esearch(srv, search_box):
    c = Imap(srv)
    c.login("alice")
    c.ok(f'EXAMINE "{search_box}"')
    assert nums(c.ok("SEARCH CHARSET UTF-8 SUBJECT {}", "grüße".encode())) == [1]
    assert nums(c.ok("SEARCH CHARSET UTF-8 SUBJECT {}", "KÖLN".encode())) == [1]
    assert nums(c.ok("SEARCH CHARSET ISO-8859-1 SUBJECT {}", "ärger".encode("latin-1"))) == [4]
    assert nums(c.ok("SEARCH CHARSET ISO-8859-1 SUBJECT {}", "Grüße".encode("latin-1"))) == [1]
    assert nums(c.ok("SEARCH CHARSET UTF-8 TEXT {}", "ÄRGER".encode())) == [4]
    r = c.cmd("SEARCH CHARSET X-BOGUS-CHARSET ALL")
    assert r.status == "NO" and r.tagged.startswith(b"NO [BADCHARSET"), r
    # ESEARCH (RFC 4731)
    r = c.cmd("SEARCH RETURN (MIN MAX COUNT ALL) UNDELETED", tag="e1")
    assert r.status == "OK" and r.lines("ESEARCH") == ['ESEARCH (TAG "e1") MIN 1 MAX 3 COUNT 3 ALL 1:3'], r
    r = c.cmd("UID SEARCH RETURN (COUNT) UNSEEN", tag="e2")
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "e2") UID COUNT 3'], r
    r = c.cmd("SEARCH RETURN () OR SEEN DELETED", tag="e3")
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "e3") ALL 1,4'], r
    r = c.cmd("SEARCH RETURN (MIN MAX COUNT) KEYWORD nothing", tag="e4")
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "e4") COUNT 0'], r
    assert r.lines("SEARCH") == [], r
    # SEARCHRES (RFC 5182)
    r = c.ok("SEARCH RETURN (SAVE) OR FLAGGED DELETED")
    assert r.lines("ESEARCH") == [] and r.lines("SEARCH") == [], r
    assert [d["UID"] for _, d in c.ok("FETCH $ (UID)").fetches()] == ["2", "4"]
    assert nums(c.ok("SEARCH $ UNDELETED")) == [2]
    assert nums(c.ok("UID SEARCH UID $")) == [2, 4]
    r = c.cmd("SEARCH RETURN (SAVE MIN) UNSEEN", tag="e5")
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "e5") MIN 2'], r
    assert [s for s, _ in c.ok("FETCH $ (FLAGS)").fetches()] == [2, 3, 4]
    # MODSEQ in results (RFC 7162 §3.1.5)
    r = c.ok("SEARCH MODSEQ 1")
    assert re.fullmatch(r"SEARCH 1 2 3 4 \(MODSEQ \d+\)", r.lines("SEARCH")[0]), r
    # syntax errors
    for bad in ("SEARCH FROM", "SEARCH BOGUS", "SEARCH (SEEN", "SEARCH BEFORE 2023-01-01", "SEARCH UID x"):
        assert c.cmd(bad).status == "BAD", bad
    # IMAP4rev2: plain SEARCH answers with ESEARCH
    c.ok("ENABLE IMAP4rev2")
    r = c.cmd("SEARCH FLAGGED", tag="e6")
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "e6") ALL 2'], r
    assert not r.lines("SEARCH"), r
    r = c.cmd("SEARCH KEYWORD nothing", tag="e7")
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "e7")'], r
    c.logout()


def test_search_body_non_ascii_and_imaplib(srv, search_box):
    m = srv.imap("alice")
    m.select(f'"{search_box}"', readonly=True)
    typ, data = m.search(None, "FROM", '"carol"')
    assert typ == "OK" and data == [b"3"]
    typ, data = m.uid("SEARCH", "BODY", "pie")
    assert typ == "OK" and data == [b"3"]
    m.logout()


@pytest.mark.parametrize("criteria,expected", [
    ("(ARRIVAL)", [1, 2, 3, 4]), ("(REVERSE ARRIVAL)", [4, 3, 2, 1]), ("(DATE)", [1, 2, 3, 4]),
    ("(SIZE)", [4, 1, 3, 2]), ("(REVERSE SIZE)", [2, 3, 1, 4]),
    ("(FROM)", [1, 2, 3, 4]), ("(REVERSE FROM)", [4, 3, 2, 1]),
    ("(TO)", [3, 1, 4, 2]), ("(CC)", [1, 2, 3, 4]),
    # i;unicode-casemap (RFC 5051, RFC 5256 §2.1, as Dovecot): "Ärger" sorts as "ARGER",
    # before "GRÜSSE"
    ("(SUBJECT ARRIVAL)", [4, 1, 2, 3]),
    ("(REVERSE SUBJECT REVERSE DATE)", [3, 2, 1, 4]),
])
def test_sort(srv, search_box, criteria, expected):
    c = Imap(srv)
    c.login("alice")
    c.ok(f'EXAMINE "{search_box}"')
    # sizes: 1 < 3 < 2 and 4 smallest? compute the SIZE expectation from the data
    if "SIZE" in criteria:
        order = sorted(range(1, 5), key=lambda i: (len(SEARCH_MSGS[i - 1][2]), i))
        expected = order if "REVERSE" not in criteria else sorted(
            range(1, 5), key=lambda i: (-len(SEARCH_MSGS[i - 1][2]), -i))
    assert nums(c.ok(f"SORT {criteria} UTF-8 ALL"), "SORT") == expected, criteria
    assert nums(c.ok(f"UID SORT {criteria} UTF-8 ALL"), "SORT") == expected, criteria
    c.logout()


def test_sort_subject_base_and_esort(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "so")
    for i, subj in enumerate(["Re: beta", "alpha", "Fwd: Gamma", "[list] Beta", "RE: ALPHA (fwd)"]):
        c.append(box, msg(subj, date=f"Mon, 0{i + 1} Jan 2024 10:00:00 +0000"))
    c.select(box)
    assert nums(c.ok("SORT (SUBJECT) UTF-8 ALL"), "SORT") == [2, 5, 1, 4, 3]
    r = c.cmd("SORT RETURN (MIN MAX COUNT ALL) (REVERSE DATE) UTF-8 ALL", tag="s1")
    # RFC 5267 §3.1: ALL in sort order; MIN/MAX are the lowest- and highest-sorted messages
    # (as Dovecot answers), not the smallest and largest numbers
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "s1") MIN 5 MAX 1 COUNT 5 ALL 5,4,3,2,1'], r
    r = c.cmd("UID SORT RETURN (ALL) (SUBJECT) UTF-8 NOT SUBJECT gamma", tag="s2")
    assert r.lines("ESEARCH") == ['ESEARCH (TAG "s2") UID ALL 2,5,1,4'], r
    r = c.cmd("SORT (BOGUS) UTF-8 ALL")
    assert r.status == "BAD", r
    r = c.cmd("SORT (SUBJECT) X-NOPE ALL")
    assert r.status == "NO" and b"[BADCHARSET" in r.tagged, r
    c.logout()


def test_thread_orderedsubject_and_references(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "th")
    # 1 root, 2 reply to 1, 3 reply to 2, 4 unrelated, 5 reply to 1 (later)
    c.append(box, msg("Plan", msgid="<a@t>", date="Mon, 01 Jan 2024 10:00:00 +0000"))
    c.append(box, msg("Re: Plan", msgid="<b@t>", date="Tue, 02 Jan 2024 10:00:00 +0000",
                      extra="In-Reply-To: <a@t>\r\nReferences: <a@t>\r\n"))
    c.append(box, msg("Re: Plan", msgid="<c@t>", date="Wed, 03 Jan 2024 10:00:00 +0000",
                      extra="In-Reply-To: <b@t>\r\nReferences: <a@t> <b@t>\r\n"))
    c.append(box, msg("Other", msgid="<d@t>", date="Sun, 31 Dec 2023 10:00:00 +0000"))
    c.append(box, msg("Re: Plan", msgid="<e@t>", date="Thu, 04 Jan 2024 10:00:00 +0000",
                      extra="References: <a@t>\r\n"))
    c.select(box)
    r = c.ok("THREAD REFERENCES UTF-8 ALL")
    assert r.lines("THREAD") == ["THREAD (4)(1 (2 3)(5))"], r
    r = c.ok("THREAD ORDEREDSUBJECT UTF-8 ALL")
    assert r.lines("THREAD") == ["THREAD (4)(1 (2)(3)(5))"], r
    r = c.ok("UID THREAD REFERENCES UTF-8 NOT UID 3")
    assert r.lines("THREAD") == ["THREAD (4)(1 (2)(5))"], r
    r = c.ok("THREAD REFERENCES UTF-8 SUBJECT nothing-matches")
    assert r.lines("THREAD") == ["THREAD"], r
    r = c.cmd("THREAD BOGUS UTF-8 ALL")
    assert r.status in ("BAD", "NO"), r
    c.logout()


def test_compress_deflate(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "z")
    m = msg("compressed", body="zzz " * 5000 + "\r\n")
    c.append(box, m)
    r = c.ok("COMPRESS DEFLATE")
    c.deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    c.inflate = zlib.decompressobj(-15)
    r = c.ok("CAPABILITY")
    assert "COMPRESS=DEFLATE" not in r.lines("CAPABILITY")[0], r
    c.select(box)
    r = c.ok("FETCH 1 BODY.PEEK[]")
    assert r.fetches()[0][1]["BODY[]"] == m
    c.ok("APPEND {} {{}}".format(f'"{box}"'), m)
    assert status_of(c, box)["MESSAGES"] == 2
    r = c.cmd("COMPRESS DEFLATE")
    assert r.status == "NO" and b"[COMPRESSIONACTIVE]" in r.tagged, r
    # IDLE through the compression layer
    c.send("i1 IDLE\r\n")
    assert c.read_response().startswith(b"+")
    c.send("DONE\r\n")
    assert c.collect("i1").status == "OK"
    c.logout()


# ---- 4. many clients -------------------------------------------------------------------------

def test_idle_sees_smtp_delivery_within_1s(srv):
    c = Imap(srv)
    c.login("idle")
    r = c.select("INBOX")
    exists = int([l for l in r.lines() if l.endswith(" EXISTS")][0].split()[0])
    c.send("i1 IDLE\r\n")
    assert c.read_response().startswith(b"+")
    for round_ in range(3):
        smtp = RawSMTP(srv, "smtp")
        smtp.ehlo()
        assert smtp.cmd("MAIL FROM:<x@sender.test>").code == 250
        assert smtp.cmd(f"RCPT TO:<{srv.addr('idle')}>").code == 250
        assert smtp.cmd("DATA").code == 354
        t0 = time.monotonic()
        smtp.send(msg(f"idle {round_}") + b".\r\n")
        line, got = c.wait_for(rb"^\* \d+ EXISTS$", timeout=1.0)
        elapsed = time.monotonic() - t0
        assert elapsed < 1.0, elapsed
        exists += 1
        assert line == f"* {exists} EXISTS".encode(), got
        assert smtp.reply().code == 250
        smtp.quit()
    c.send("DONE\r\n")
    r = c.collect("i1")
    assert r.status == "OK", r
    c.logout()


def test_store_by_other_session_idle_and_noop(srv):
    a, b, idler = Imap(srv), Imap(srv), Imap(srv)
    for c in (a, b, idler):
        c.login("alice")
    box = new_box(a, "o")
    for i in range(3):
        a.append(box, msg(f"m{i}"))
    for c in (a, b, idler):
        c.select(box)
    idler.send("i1 IDLE\r\n")
    assert idler.read_response().startswith(b"+")
    r = b.ok("STORE 2 +FLAGS (\\Flagged)")
    line, _ = idler.wait_for(rb"^\* 2 FETCH", timeout=2)
    assert parse_fetch(line) == (2, {"FLAGS": ["\\Flagged"]}), line
    # a non-idling session hears it at its next command
    r = a.ok("NOOP")
    assert [(s, d) for s, d in r.fetches()] == [(2, {"FLAGS": ["\\Flagged"]})], r
    r = a.ok("NOOP")
    assert r.untagged == [], r
    # a new message: EXISTS for everybody
    b.append(box, msg("new"))
    line, _ = idler.wait_for(rb"^\* 4 EXISTS", timeout=2)
    assert "4 EXISTS" in a.ok("NOOP").lines(), "EXISTS at NOOP"
    idler.send("DONE\r\n")
    assert idler.collect("i1").status == "OK"
    # CONDSTORE session: the update carries MODSEQ
    idler.ok("ENABLE CONDSTORE")
    b.ok("STORE 1 +FLAGS (\\Seen)")
    r = idler.ok("NOOP")
    [(seq, d)] = r.fetches()
    assert seq == 1 and d["FLAGS"] == ["\\Seen"] and int(d["MODSEQ"][0]) > 0, r
    for c in (a, b, idler):
        c.logout()


def test_expunge_by_other_session_never_during_fetch_store_search(srv):
    a, b = Imap(srv), Imap(srv)
    a.login("alice")
    b.login("alice")
    box = new_box(a, "x")
    for i in range(4):
        a.append(box, msg(f"m{i}"))
    a.select(box)
    b.select(box)
    b.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
    b.ok("EXPUNGE")
    # sequence numbers in a stay as they were until it hears the EXPUNGE
    for cmd in ("FETCH 1:* (UID)", "STORE 4 +FLAGS (x1)", "SEARCH ALL", "FETCH 2 (UID FLAGS)",
                "SEARCH UID 1:*", "STORE 2 +FLAGS.SILENT (x2)", "FETCH 2 BODY.PEEK[HEADER.FIELDS (Subject)]"):
        r = a.cmd(cmd)
        assert not any(b"EXPUNGE" in u for u in r.untagged), (cmd, r)
        if cmd == "FETCH 1:* (UID)":
            assert r.status == "OK" and [d["UID"] for _, d in r.fetches()] == ["1", "2", "3", "4"], r
        if cmd == "SEARCH ALL":
            # the expunged message may or may not match, but the others keep their numbers
            assert nums(r) in ([1, 2, 3, 4], [1, 3, 4]), r
        if cmd == "FETCH 2 BODY.PEEK[HEADER.FIELDS (Subject)]":
            # the message is gone: no data (or NIL), never a wrong message, and EXPUNGEISSUED/NO
            assert r.status in ("OK", "NO"), r
            assert not r.fetches() or r.fetches()[0][1].get("BODY[HEADER.FIELDS (SUBJECT)]") in (None, b""), r
    r = a.ok("NOOP")
    assert [u for u in r.untagged if b"EXPUNGE" in u] == [b"* 2 EXPUNGE"], r
    r = a.ok("FETCH 1:* (UID FLAGS)")
    got = [(s, d["UID"]) for s, d in r.fetches()]
    assert got == [(1, "1"), (2, "3"), (3, "4")], r
    assert "x1" in r.fetches()[2][1]["FLAGS"], r
    a.logout()
    b.logout()


def test_pop3_dele_appears_as_expunge(srv):
    c = Imap(srv)
    c.login("pop")
    for i in range(3):
        assert srv.deliver("pop", msg(f"pop{i}")).code == 250
    r = c.select("INBOX")
    assert "3 EXISTS" in r.lines(), r
    c.send("i1 IDLE\r\n")
    assert c.read_response().startswith(b"+")
    p = srv.pop3("pop")
    p.dele(2)
    p.quit()
    line, _ = c.wait_for(rb"^\* 2 EXPUNGE$", timeout=2)
    c.send("DONE\r\n")
    r = c.collect("i1")
    assert r.status == "OK", r
    r = c.ok("FETCH 1:* UID")
    assert [d["UID"] for _, d in r.fetches()] == ["1", "3"], r
    c.logout()


def test_qresync_select_after_changes(srv):
    a, b = Imap(srv), Imap(srv)
    a.login("alice")
    b.login("alice")
    box = new_box(a, "q")
    for i in range(5):
        a.append(box, msg(f"m{i}"))
    a.ok("ENABLE QRESYNC")
    r = a.select(box)
    uv = int(re.search(r"UIDVALIDITY (\d+)", " ".join(r.lines())).group(1))
    hm = int(re.search(r"HIGHESTMODSEQ (\d+)", " ".join(r.lines())).group(1))
    a.ok("UNSELECT")
    # another session changes flags and expunges
    b.select(box)
    b.ok("UID STORE 2 +FLAGS (\\Answered)")
    b.ok("UID STORE 4 +FLAGS.SILENT (\\Deleted)")
    b.ok("UID EXPUNGE 4")
    b.ok("UID STORE 5 +FLAGS.SILENT (\\Deleted)")
    b.ok("UID EXPUNGE 5")
    b.append(box, msg("new"))
    r = a.ok(f'SELECT "{box}" (QRESYNC ({uv} {hm} 1:5))')
    assert r.lines("VANISHED (EARLIER) 4:5"), r
    fetched = {d["UID"]: d for _, d in r.fetches()}
    assert set(fetched) == {"2", "6"}, r
    assert "\\Answered" in fetched["2"]["FLAGS"] and "\\Deleted" not in fetched["2"]["FLAGS"], r
    assert int(fetched["2"]["MODSEQ"][0]) > hm
    # VANISHED before FETCH
    idx_v = [i for i, u in enumerate(r.untagged) if u.startswith(b"* VANISHED")][0]
    idx_f = [i for i, u in enumerate(r.untagged) if b" FETCH " in u][0]
    assert idx_v < idx_f, r
    new_hm = int(re.search(r"HIGHESTMODSEQ (\d+)", " ".join(r.lines())).group(1))
    assert new_hm > hm
    # UID FETCH ... (CHANGEDSINCE n VANISHED)
    b.ok("UID STORE 1 +FLAGS (\\Flagged)")
    b.ok("UID STORE 3 +FLAGS.SILENT (\\Deleted)")
    b.ok("UID EXPUNGE 3")
    r = a.ok(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {new_hm} VANISHED)")
    assert r.lines("VANISHED (EARLIER) 3"), r
    got = [(d["UID"], d["FLAGS"]) for _, d in r.fetches()]
    assert ("1", ["\\Flagged"]) in [(u, f) for u, f in got], r
    assert all("MODSEQ" in d for _, d in r.fetches()), r
    # the expunge itself comes as VANISHED (not EXPUNGE): after the UID command or at NOOP
    r2 = a.ok("NOOP")
    assert (r.lines("VANISHED 3") + r2.lines("VANISHED 3")) == ["VANISHED 3"], (r, r2)
    assert not any(b"EXPUNGE" in u for u in r.untagged + r2.untagged), (r, r2)
    # a second SELECT with QRESYNC announces the end of the first: [CLOSED]
    r = a.ok(f'SELECT "{box}" (QRESYNC ({uv} {new_hm}))')
    assert r.untagged[0].startswith(b"* OK [CLOSED]"), r
    # QRESYNC without ENABLE is an error
    r = b.cmd(f'SELECT "{box}" (QRESYNC ({uv} 1))')
    assert r.status == "BAD", r
    # a wrong UIDVALIDITY: no VANISHED, no FETCH
    r = a.ok(f'SELECT "{box}" (QRESYNC ({uv + 1} 1 1:10))')
    assert not r.lines("VANISHED") and not r.fetches(), r
    a.logout()
    b.logout()


def test_condstore_fetch_changedsince(srv):
    a, b = Imap(srv), Imap(srv)
    a.login("alice")
    b.login("alice")
    box = new_box(a, "cs")
    for i in range(3):
        a.append(box, msg(f"m{i}"))
    r = a.ok(f'SELECT "{box}" (CONDSTORE)')
    hm = int(re.search(r"HIGHESTMODSEQ (\d+)", " ".join(r.lines())).group(1))
    b.select(box)
    b.ok("STORE 3 +FLAGS (\\Seen)")
    r = a.ok(f"FETCH 1:* (UID) (CHANGEDSINCE {hm})")
    # the FETCH answer (an unsolicited FETCH FLAGS MODSEQ may come too)
    [(seq, d)] = [(s, d) for s, d in r.fetches() if "UID" in d]
    assert seq == 3 and d["UID"] == "3" and int(d["MODSEQ"][0]) > hm, r
    r = a.cmd(f"FETCH 1:* (UID) (CHANGEDSINCE {hm} VANISHED)")
    assert r.status == "BAD", r  # VANISHED needs QRESYNC (RFC 7162 §3.2.6)
    a.logout()
    b.logout()


# ---- more mailbox-state cases ----------------------------------------------------------------

def test_select_while_selected_sends_closed_in_rev2(srv):
    c = Imap(srv)
    c.login("alice")
    c.select("INBOX")
    r = c.select("Sent")
    assert not any(b"[CLOSED]" in u for u in r.untagged), r  # rev1, no QRESYNC: not required
    c.ok("ENABLE IMAP4rev2")
    r = c.select("INBOX")
    # RFC 9051 §6.3.2: deselecting by SELECT answers OK [CLOSED] before the new mailbox's data
    assert r.untagged[0].startswith(b"* OK [CLOSED]"), r
    r = c.cmd('SELECT "nonexistent-x"')
    assert r.status == "NO" and r.untagged[0].startswith(b"* OK [CLOSED]"), r
    assert c.cmd("FETCH 1 FLAGS").status == "BAD"  # nothing selected after a failed SELECT
    c.logout()


def test_lsub_parent_of_subscribed_child_is_noselect(srv):
    c = Imap(srv)
    c.login("alice")
    root = f"ls{token()}"
    c.ok(f'CREATE "{root}/kid"')
    c.ok(f'SUBSCRIBE "{root}/kid"')
    # RFC 3501 §6.3.9: "%" matching the unsubscribed parent returns it with \Noselect
    r = c.ok(f'LSUB "" "{root[:-1]}%"')
    assert listing(r, "LSUB") == {root: {"\\Noselect"}}, r
    r = c.ok(f'LSUB "" "{root}/%"')
    assert set(listing(r, "LSUB")) == {f"{root}/kid"}, r
    c.logout()


def test_recursivematch_childinfo_on_subscribed_parent(srv):
    c = Imap(srv)
    c.login("alice")
    root = f"rm{token()}"
    c.ok(f'CREATE "{root}/kid"')
    c.ok(f'SUBSCRIBE "{root}"')
    c.ok(f'SUBSCRIBE "{root}/kid"')
    r = c.ok(f'LIST (SUBSCRIBED RECURSIVEMATCH) "" "{root}"')
    [line] = r.lines("LIST")
    assert "\\Subscribed" in line and line.endswith('("CHILDINFO" ("SUBSCRIBED"))'), r
    r = c.ok(f'LIST (SUBSCRIBED) "" "{root}"')
    [line] = r.lines("LIST")
    assert "CHILDINFO" not in line, r  # only with RECURSIVEMATCH
    c.logout()


def test_rename_selected_mailbox_and_inbox_while_selected(srv):
    c = Imap(srv)
    c.login("rename")
    box = new_box(c, "rs")
    c.append(box, msg("a"))
    c.select(box)
    c.ok(f'RENAME "{box}" "{box}-new"')
    r = c.ok("FETCH 1 (UID RFC822.SIZE)")
    assert r.fetches()[0][1]["UID"] == "1", r
    r = c.ok(f'APPEND "{box}-new" {{}}', msg("b"))
    r2 = c.ok("NOOP")
    assert (r.lines("2 EXISTS") + r2.lines("2 EXISTS")) == ["2 EXISTS"], (r, r2)
    # INBOX selected, then renamed: its messages leave, announced as EXPUNGE
    c.append("INBOX", msg("x"))
    c.append("INBOX", msg("y"))
    r = c.select("INBOX")
    n = int([l for l in r.lines() if l.endswith(" EXISTS")][0].split()[0])
    assert n >= 2
    r = c.ok(f'RENAME INBOX "{box}-inbox"')
    assert len([u for u in r.untagged if u.endswith(b" EXPUNGE")]) == n, r
    assert c.ok("SEARCH ALL").lines("SEARCH") == ["SEARCH"]
    c.logout()


def test_selected_mailbox_deleted_by_other_session(srv):
    a, b = Imap(srv), Imap(srv)
    a.login("alice")
    b.login("alice")
    box = new_box(a, "gone")
    a.append(box, msg("a"))
    a.select(box)
    b.ok(f'DELETE "{box}"')
    # the selection is over; the session is told and either closes or leaves the mailbox
    try:
        r = a.cmd("NOOP")
    except ConnectionClosed:
        return
    assert any(u.startswith(b"* BYE") or b"[CLOSED]" in u for u in r.untagged) or r.status != "OK", r
    a.close()
    b.logout()


def test_append_utf8_and_literal8(srv):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "u8")
    m8 = ("From: a@example.test\r\nSubject: Grüße\r\n\r\nKörper\r\n").encode()
    r = c.cmd(f'APPEND "{box}" UTF8 ({{}})', m8)
    assert r.status == "BAD", r  # RFC 6855 §4: only after ENABLE UTF8=ACCEPT
    c.ok("ENABLE UTF8=ACCEPT")
    c.send(f'u1 APPEND "{box}" UTF8 (~{{{len(m8)}+}}\r\n'.encode() + m8 + b")\r\n")
    assert c.collect("u1").status == "OK"
    # BINARY (RFC 3516 §4.4): literal8 APPEND data
    mb = b"From: a@example.test\r\nSubject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\nx\x00y\r\n"
    c.send(f'u2 APPEND "{box}" ~{{{len(mb)}+}}\r\n'.encode() + mb + b"\r\n")
    r = c.collect("u2")
    assert r.status == "OK", r
    c.select(box)
    r = c.ok("FETCH 1 (BODY.PEEK[] ENVELOPE)")
    d = r.fetches()[0][1]
    assert d["BODY[]"] == m8, d
    assert d["ENVELOPE"][1] == "Grüße".encode(), d
    r = c.ok("FETCH 2 (BINARY.PEEK[1] RFC822.SIZE)")
    assert r.fetches()[0][1]["BINARY[1]"] == b"x\x00y\r\n", r
    assert r.fetches()[0][1]["RFC822.SIZE"] == str(len(mb)), r
    c.logout()


@pytest.mark.parametrize("items,sets_seen", [
    ("BODY.PEEK[]", False), ("BODY[]", True), ("BODY[TEXT]", True), ("BODY[1]", True),
    ("BODY[HEADER]", True), ("RFC822.HEADER", False), ("RFC822.TEXT", True), ("RFC822", True),
    ("BINARY.PEEK[1]", False), ("BINARY[1]", True), ("BINARY.SIZE[1]", False), ("RFC822.SIZE", False),
    ("ENVELOPE", False), ("BODYSTRUCTURE", False), ("PREVIEW", False),
])
def test_fetch_seen_rules(srv, items, sets_seen):
    c = Imap(srv)
    c.login("alice")
    box = new_box(c, "seen")
    c.append(box, MULTIPART)
    c.select(box)
    r = c.ok(f"FETCH 1 ({items})")
    d = r.fetches()[0][1]
    if sets_seen:
        assert d.get("FLAGS") == ["\\Seen"], (items, r)  # RFC 9051 §6.4.5: FLAGS come along
    else:
        assert "FLAGS" not in d, (items, r)
    assert c.ok("FETCH 1 FLAGS").fetches()[0][1]["FLAGS"] == (["\\Seen"] if sets_seen else [])
    c.logout()


def test_protocol_edges(srv, aux):
    c = Imap(srv)
    for line in ("UID", "UID FOO 1", "COMPRESS DEFLATE", "ENABLE CONDSTORE", "IDLE", "SELECT INBOX",
                 "LOGIN onlyuser", "AUTHENTICATE"):
        r = c.cmd(line)
        assert r.status in ("BAD", "NO"), (line, r)
    c.ok("NOOP")  # success ends the run of errors (10 in a row end the session)
    c.send("+ NOOP\r\n* NOOP\r\n")
    assert c.read_response().split(b" ")[1] == b"BAD"
    assert c.read_response().split(b" ")[1] == b"BAD"
    r = c.cmd("AUTHENTICATE X-UNKNOWN")
    assert r.status == "NO", r
    c.login("alice")  # OK resets the error count
    for line in ("STARTTLS", "LOGIN a b", "FETCH 1 FLAGS", "EXPUNGE", "CLOSE", "UID EXPUNGE", "CHECK"):
        r = c.cmd(line)
        assert r.status == "BAD", (line, r)
    c.select("INBOX")
    for line in ("UID EXPUNGE", "UID EXPUNGE x", "FETCH", "FETCH 1", "STORE 1 +FLAGS", "STORE 1 BOGUS (\\Seen)",
                 "COPY 1", "SEARCH", "SORT (DATE) UTF-8"):
        r = c.cmd(line)
        assert r.status == "BAD", (line, r)
    c.ok("CHECK")
    for line in ("FETCH 0 FLAGS", "FETCH 1:0x FLAGS", "NOOP extra"):
        r = c.cmd(line)
        assert r.status == "BAD", (line, r)
    c.logout()
    # failed logins (on the other server: its throttle, not this one's)
    c = Imap(aux)
    r = c.cmd('LOGIN "" ""')
    assert r.status == "NO", r
    # an authorization identity other than the user: no proxy login
    r = c.cmd("AUTHENTICATE PLAIN " + auth_plain_b64(aux.addr("alice"), aux.pw("alice"), authzid="x@example.test"))
    assert r.status == "NO", r
    c.logout()


def test_failed_authentications_count_as_errors(srv):
    # NO answers that count as client errors (failed or impossible logins) are not
    # reset by the next NO: after max_errors (10) of them, BYE.
    c = Imap(srv)
    c.send("".join(f"f{i} AUTHENTICATE X-UNKNOWN-{i}\r\n" for i in range(12)))
    data = c.read_until_close(timeout=30)
    lines = data.split(b"\r\n")
    assert len([l for l in lines if re.match(rb"^f\d+ NO", l)]) == 10, lines
    assert any(l.startswith(b"* BYE") for l in lines), lines


def test_shutdown_with_idle_and_selected_sessions(make_server):
    s = make_server(users=("alice",))
    idle = Imap(s)
    idle.login("alice")
    idle.select("INBOX")
    idle.send("i1 IDLE\r\n")
    assert idle.read_response().startswith(b"+")
    quiet = Imap(s)
    quiet.login("alice")
    quiet.select("INBOX")
    t0 = time.monotonic()
    assert s.stop() == 0
    assert time.monotonic() - t0 < 10
    for c in (idle, quiet):
        data = c.read_until_close(timeout=5)
        assert data == b"" or b"* BYE" in data, data
    s.killed = True  # stopped by the test


def test_inbox_case_examine_and_children(srv):
    c = Imap(srv)
    c.login("alice")
    r = c.ok("SELECT inbox")
    assert r.tagged.startswith(b"OK [READ-WRITE]"), r
    r = c.ok('EXAMINE "InBoX"')
    assert r.tagged.startswith(b"OK [READ-ONLY]"), r
    assert "OK [PERMANENTFLAGS ()] Flags permitted" in r.lines(), r
    c.ok('CREATE "inbox/Sub"')
    lst = listing(c.ok('LIST "" "INBOX*"'))
    assert "\\HasChildren" in lst["INBOX"] and "INBOX/Sub" in lst, lst
    r = c.cmd('GETQUOTAROOT "nonexistent-x"')
    assert r.status == "NO" and b"[NONEXISTENT]" in r.tagged, r
    c.ok('DELETE "INBOX/Sub"')
    c.logout()


def test_recent(srv):
    """RFC 3501 §2.3.2 \\Recent (IMAP4rev1): a message is recent in exactly one session,
    the first to select its mailbox read-write; EXAMINE does not claim; rev2 shows none."""
    a = Imap(srv)
    a.login("alice")
    box = new_box(a, "recent")
    a.append(box, msg("one"))
    a.append(box, msg("two"), flags="\\Seen")
    # STATUS counts what nobody has claimed yet.
    assert "RECENT 2" in a.ok(f'STATUS "{box}" (RECENT)').lines("STATUS")[0]
    e = Imap(srv)
    e.login("alice")
    assert e.ok(f'EXAMINE "{box}"').lines("2 RECENT"), "EXAMINE shows unclaimed messages"
    b = Imap(srv)
    b.login("alice")
    assert b.select(box).lines("2 RECENT")
    flags = {n: d["FLAGS"] for n, d in (parse_fetch(u, keep_recent=True) for u in b.ok("FETCH 1:* FLAGS").untagged)}
    assert flags == {1: ["\\Recent"], 2: ["\\Seen", "\\Recent"]}, flags
    assert nums(b.ok("SEARCH RECENT")) == [1, 2]
    assert nums(b.ok("SEARCH NEW")) == [1]
    assert nums(b.ok("SEARCH OLD")) == []
    c = Imap(srv)
    c.login("alice")
    assert c.select(box).lines("0 RECENT"), "already claimed by b"
    assert nums(c.ok("SEARCH RECENT")) == [] and nums(c.ok("SEARCH OLD")) == [1, 2]
    assert "RECENT 0" in a.ok(f'STATUS "{box}" (RECENT)').lines("STATUS")[0]
    # New mail: the first session to hear of it claims it and gets a RECENT response.
    a.append(box, msg("three"))
    r = b.ok("NOOP")
    assert r.lines("3 EXISTS") and r.lines("3 RECENT"), r
    r = c.ok("NOOP")
    assert r.lines("3 EXISTS") and not [l for l in r.lines() if "RECENT" in l], r
    [(n, d)] = [parse_fetch(u, keep_recent=True) for u in b.ok("FETCH 3 FLAGS").untagged]
    assert d["FLAGS"] == ["\\Recent"], d
    [(n, d)] = [parse_fetch(u, keep_recent=True) for u in c.ok("FETCH 3 FLAGS").untagged]
    assert d["FLAGS"] == [], d
    # IMAP4rev2 (RFC 9051 §2.3.2) has no \Recent at all.
    v2 = Imap(srv)
    v2.login("alice")
    v2.ok("ENABLE IMAP4rev2")
    r = v2.select(box)
    assert not [l for l in r.lines() if "RECENT" in l], r
    for u in v2.ok("FETCH 1:* FLAGS").untagged:
        assert "\\Recent" not in parse_fetch(u, keep_recent=True)[1]["FLAGS"]
    for s in (a, b, c, e, v2):
        s.logout()
