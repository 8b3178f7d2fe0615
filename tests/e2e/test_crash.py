"""Crash safety (DESIGN §5, §9): several clients send concurrently to the MX
port while the server is killed with SIGKILL at random moments; after every
restart on the same data directory, and at the end, every message that got a 250
must be there, byte for byte. Duplicates are tolerated, losses are not."""

import random
import threading
import time

from conftest import ConnectionClosed, RawSMTP, split_trace, token

ROUNDS = 5
CLIENTS = 6
RECIPIENTS = ["alice", "bob"]


class Sender(threading.Thread):
    def __init__(self, srv, n, stop, acked, attempted, lock):
        super().__init__(daemon=True)
        self.srv, self.n, self.stop, self.acked, self.attempted, self.lock = srv, n, stop, acked, attempted, lock
        self.rnd = random.Random(n * 7919 + time.time_ns())
        self.attempts = 0

    def message(self, tok):
        size = self.rnd.choice([200, 2_000, 20_000, 150_000])
        filler = "".join(self.rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 .") for _ in range(60))
        lines = []
        total = 0
        i = 0
        while total < size:
            line = f"{i:06d} {tok} {filler}"
            if i % 17 == 0:
                line = "." + line  # exercises dot-stuffing
            lines.append(line)
            total += len(line) + 2
            i += 1
        return (f"From: <c{self.n}@sender.test>\r\nSubject: crash {tok}\r\nMessage-ID: <{tok}@crash.test>\r\n\r\n"
                + "\r\n".join(lines) + "\r\n").encode()

    def run(self):
        while not self.stop.is_set():
            try:
                c = RawSMTP(self.srv, "smtp", timeout=10)
            except (OSError, ConnectionClosed, AssertionError):
                time.sleep(0.02)
                continue
            try:
                c.ehlo()
                while not self.stop.is_set():
                    tok = token()
                    rcpt = self.rnd.choice(RECIPIENTS)
                    content = self.message(tok)
                    if c.cmd("MAIL FROM:<c%d@sender.test>" % self.n).code != 250:
                        break
                    if c.cmd(f"RCPT TO:<{rcpt}@example.test>").code != 250:
                        break
                    self.attempts += 1
                    with self.lock:
                        self.attempted[tok] = (rcpt, content)
                    if self.rnd.random() < 0.3:  # CHUNKING path too
                        c.send(b"BDAT %d LAST\r\n" % len(content) + content)
                        r = c.reply()
                    else:
                        r = c.data(content)
                    if r.code == 250:
                        with self.lock:
                            self.acked[tok] = (rcpt, content)
                    elif r.code >= 500:
                        raise AssertionError(f"permanent failure for a valid message: {r}")
            except (OSError, ConnectionClosed, AssertionError) as e:
                if isinstance(e, AssertionError) and "permanent failure" in str(e):
                    with self.lock:
                        self.acked.setdefault("__errors__", []).append(str(e))
            finally:
                c.close()


def collect(srv):
    """All messages per recipient, keyed by token."""
    found = {}
    for user in RECIPIENTS:
        for m in srv.pop3_messages(user):
            _, dt, _, body = split_trace(m)
            tok = body.split(b"Subject: crash ", 1)[1].split(b"\r\n", 1)[0].decode()
            found.setdefault(tok, []).append((user, body))
    return found


def check(srv, acked, attempted):
    found = collect(srv)
    missing, corrupt = [], []
    for tok, (rcpt, content) in acked.items():
        copies = found.get(tok)
        if not copies:
            missing.append(tok)
            continue
        for user, body in copies:
            if user != rcpt or body != content:
                corrupt.append(tok)
    assert not missing, f"{len(missing)} acknowledged messages lost (of {len(acked)}): {missing[:5]}"
    assert not corrupt, f"{len(corrupt)} messages corrupted: {corrupt[:5]}"
    # unacknowledged messages may appear, but only whole (nothing half-written is visible)
    for tok, copies in found.items():
        assert tok in attempted, f"unknown message {tok}"
        rcpt, content = attempted[tok]
        for user, body in copies:
            assert user == rcpt and body == content, f"partially written message visible: {tok}"
    return found


def test_sigkill_under_load(make_server):
    srv = make_server()
    acked, attempted, lock = {}, {}, threading.Lock()
    rnd = random.Random()
    total_attempts = 0
    for rnd_no in range(ROUNDS):
        stop = threading.Event()
        threads = [Sender(srv, i, stop, acked, attempted, lock) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(rnd.uniform(0.8, 2.5))
        srv.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
            assert not t.is_alive(), "client thread hangs"
            total_attempts += t.attempts
        errors = acked.pop("__errors__", [])
        assert not errors, errors
        srv.start()  # same data directory; must recover
    assert len(acked) >= ROUNDS * 3, f"too few messages acknowledged to mean anything: {len(acked)}"
    found = check(srv, dict(acked), dict(attempted))
    print(f"crash test: {len(acked)} acknowledged, {len(attempted)} attempted, {len(found)} found after "
          f"{ROUNDS} SIGKILLs")
    # the server still takes mail after all of this
    tok = token()
    c = RawSMTP(srv)
    c.ehlo()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<alice@example.test>").code == 250
    assert c.data(f"Subject: crash {tok}\r\n\r\nafter\r\n".encode()).code == 250
    c.quit()


def test_sigkill_right_after_pop3_quit(make_server):
    """RFC 1939 §6: +OK to QUIT means the deletions happened; they must survive a
    SIGKILL right after it, and the messages not deleted must survive too."""
    srv = make_server()
    for i in range(6):
        assert srv.deliver("bob", f"Subject: m{i}\r\n\r\nbody {i}\r\n".encode()).code == 250
    p = srv.pop3("bob")
    for i in (1, 3, 5):
        p.dele(i)
    assert p.quit().startswith(b"+OK")
    srv.kill()
    srv.start()
    p = srv.pop3("bob")
    uidl_before = p.uidl()[1]
    p.quit()
    srv.kill()
    srv.start()
    p = srv.pop3("bob")
    assert p.uidl()[1] == uidl_before, "UIDL changed across a restart (RFC 1939 §7)"
    p.quit()
    msgs = srv.pop3_messages("bob")
    assert [split_trace(m)[3].split(b"\r\n", 1)[0] for m in msgs] == [b"Subject: m1", b"Subject: m3", b"Subject: m5"]


class Appender(threading.Thread):
    """APPENDs over IMAPS (imaplib) until stopped; records what got OK [APPENDUID]."""

    def __init__(self, srv, n, stop, acked, attempted, lock):
        super().__init__(daemon=True)
        self.srv, self.n, self.stop, self.acked, self.attempted, self.lock = srv, n, stop, acked, attempted, lock
        self.rnd = random.Random(n * 104729 + time.time_ns())

    def run(self):
        while not self.stop.is_set():
            try:
                c = self.srv.imap("carol")
            except Exception:
                time.sleep(0.05)
                continue
            try:
                while not self.stop.is_set():
                    tok = token()
                    body = ("x" * self.rnd.choice([100, 5_000, 80_000])) + "\r\n"
                    content = f"Subject: crash {tok}\r\nMessage-ID: <{tok}@crash.test>\r\n\r\n{body}".encode()
                    with self.lock:
                        self.attempted[tok] = content
                    typ, data = c.append("INBOX", "(\\Flagged)", None, content)
                    if typ == "OK":
                        with self.lock:
                            self.acked[tok] = content
            except Exception:
                pass
            finally:
                try:
                    c.shutdown()
                except Exception:
                    pass


def test_sigkill_under_imap_append(make_server):
    """DESIGN §5: APPEND OK only after fsync. Concurrent APPENDs while the server is
    killed; every APPEND that got OK is there, whole, with its flag, after restart.
    Then a STORE and an EXPUNGE acknowledged right before a SIGKILL stay done."""
    import imaplib
    srv = make_server(users=("carol",))
    acked, attempted, lock = {}, {}, threading.Lock()
    rnd = random.Random()
    for _ in range(3):
        stop = threading.Event()
        threads = [Appender(srv, i, stop, acked, attempted, lock) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(rnd.uniform(0.8, 2.0))
        srv.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
            assert not t.is_alive(), "client thread hangs"
        srv.start()
    assert len(acked) >= 9, f"too few APPENDs acknowledged to mean anything: {len(acked)}"
    c = srv.imap("carol")
    typ, data = c.select("INBOX")
    n = int(data[0])
    found = {}
    if n:
        typ, data = c.fetch(f"1:{n}", "(UID FLAGS BODY.PEEK[])")
        for item in data:
            if not isinstance(item, tuple):
                continue
            meta, content = item
            tok = content.split(b"Subject: crash ", 1)[1].split(b"\r\n", 1)[0].decode()
            found[tok] = (meta, content)
    missing = [t for t in acked if t not in found]
    assert not missing, f"{len(missing)} acknowledged APPENDs lost (of {len(acked)})"
    for tok, (meta, content) in found.items():
        assert tok in attempted and content == attempted[tok], f"partially written message visible: {tok}"
        assert b"\\Flagged" in meta, meta
    # STORE and EXPUNGE acknowledged, then SIGKILL: both stay done.
    typ, _ = c.store("1", "+FLAGS", "(\\Deleted)")
    assert typ == "OK"
    typ, data = c.expunge()
    assert typ == "OK" and data[0] == b"1", data
    typ, _ = c.store("1", "+FLAGS", "(\\Seen)")
    assert typ == "OK"
    srv.kill()
    srv.start()
    c = srv.imap("carol")
    typ, data = c.select("INBOX")
    assert int(data[0]) == n - 1, (n, data)
    typ, data = c.fetch("1", "(FLAGS)")
    assert b"\\Seen" in data[0], data
    c.logout()
