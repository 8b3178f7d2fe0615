"""Hostile IMAP clients (issue 3 §6; DESIGN §7): oversized and too many literals,
endless lines, deep nesting, huge sequence sets, thousands of pipelined commands,
a reader that never reads a big FETCH answer, error storms, too many sessions,
garbage before login, a decompression bomb after COMPRESS. Each must end in a
bounded, clean state: a clear tagged answer (or BYE), the connection usable where
the protocol allows, the server's memory bounded and other sessions unaffected.
RFC 9051 §7.1 (TOOBIG, LIMIT), §7.5; RFC 7888 (LITERAL+); RFC 4978."""

import re
import socket
import threading
import time
import zlib

import pytest

from conftest import module_server, token
from test_imap import Imap, msg

LIMIT = 64 * 1024  # smtp.max_message_size = APPENDLIMIT of this server
RSS_GROWTH_LIMIT_KB = 40 * 1024


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = module_server(tmp_path_factory, "imap-hostile", users=["alice", "bob", "few"],
                      overrides={"smtp.max_message_size": LIMIT, "imap.max_errors": 10})
    yield s
    s.finish()


def session(srv, user="alice", select=None):
    c = Imap(srv)
    c.login(user)
    if select:
        c.select(select)
    return c


def assert_alive(srv):
    c = session(srv, "bob")
    c.ok("NOOP")
    c.ok("LIST \"\" INBOX")
    c.logout()


def test_oversized_sync_literal_refused_without_continuation(srv):
    c = session(srv)
    box = f"big-{token()}"
    c.ok(f'CREATE "{box}"')
    c.send(f'a1 APPEND "{box}" {{{LIMIT + 1}}}\r\n')
    r = c.read_response()
    assert r.startswith(b"a1 NO [TOOBIG]"), r  # no "+" first
    assert c.buf == b""
    # the connection stays usable, nothing was appended
    r = c.ok(f'STATUS "{box}" (MESSAGES)')
    assert r.lines("STATUS")[0].endswith("(MESSAGES 0)"), r
    # exactly at the limit works
    body = msg("x", body="")
    c.append(box, body + b"y" * (LIMIT - len(body)))
    # a huge announced size (far beyond any limit) as well
    c.send(f'a2 APPEND "{box}" {{99999999999999}}\r\n')
    r = c.read_response()
    assert r.startswith(b"a2 NO [TOOBIG]") or r.startswith(b"a2 BAD"), r
    c.ok("NOOP")
    c.logout()


def test_oversized_nonsync_literal_is_drained(srv):
    c = session(srv)
    box = f"big-{token()}"
    c.ok(f'CREATE "{box}"')
    # LITERAL+: the bytes come anyway; the server reads and drops them, then answers
    data = b"z" * (LIMIT * 3)
    c.send(f'a1 APPEND "{box}" {{{len(data)}+}}\r\n'.encode() + data + b"\r\na2 NOOP\r\n")
    r = c.read_response()
    assert r.startswith(b"a1 NO [TOOBIG]") or r.startswith(b"a1 BAD"), r
    r = c.collect("a2")
    assert r.status == "OK", r
    r = c.ok(f'STATUS "{box}" (MESSAGES)')
    assert r.lines("STATUS")[0].endswith("(MESSAGES 0)"), r
    c.logout()


def test_too_many_literals_in_one_command(srv):
    c = session(srv)
    box = f"many-{token()}"
    c.ok(f'CREATE "{box}"')
    m = msg("m")
    parts = b"".join(b" {%d+}\r\n" % len(m) + m for _ in range(100))
    c.send(f'a1 APPEND "{box}"'.encode() + parts + b"\r\na2 NOOP\r\n")
    r = c.read_response()
    assert r.startswith(b"a1 BAD") or r.startswith(b"a1 NO"), r
    assert c.collect("a2").status == "OK"
    r = c.ok(f'STATUS "{box}" (MESSAGES)')
    assert r.lines("STATUS")[0].endswith("(MESSAGES 0)"), r
    c.logout()


def test_literal_before_login_is_small(srv):
    c = Imap(srv)
    c.send("a1 LOGIN {1000000}\r\n")
    r = c.read_response()
    assert r.startswith(b"a1 NO [TOOBIG]") or r.startswith(b"a1 BAD"), r
    c.ok("NOOP")
    # a normal literal password still works
    user, pw = srv.addr("alice"), srv.pw("alice")
    r = c.cmd("LOGIN {} {}", user, pw)
    assert r.status == "OK", r
    c.logout()


def send_until_cut(sock, total, chunk):
    sent = 0
    sock.settimeout(20)
    try:
        while sent < total:
            sock.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
        pass
    return sent


@pytest.mark.parametrize("login", [False, True])
def test_endless_line_bounded(srv, login):
    rss0 = srv.rss_kb()
    # Plain TCP on 143: the test writes and reads at once from two threads, which one
    # client-side SSL object does not support. SCRAM logs in without TLS.
    c = Imap(srv, tls=None)
    if login:
        c.login("alice")
    total = 30 * 1024 * 1024
    result = {}
    t = threading.Thread(target=lambda: result.update(sent=send_until_cut(c.sock, total, b"a1 NOOP " + b"x" * 65528)),
                         daemon=True)
    t.start()
    # the server answers BAD for the over-long line while the client is still sending
    c.sock.settimeout(30)
    r = c.read_response()
    assert re.match(rb"^(a1|\*) BAD", r), r
    t.join(timeout=60)
    assert not t.is_alive()
    assert srv.rss_kb() - rss0 < RSS_GROWTH_LIMIT_KB, (rss0, srv.rss_kb())
    if result["sent"] >= total:
        # the rest of the line was discarded; after CRLF the session goes on
        c.send("\r\na2 NOOP\r\n")
        r = c.collect("a2")
        assert r.status == "OK", r
    c.close()
    assert_alive(srv)


def test_deep_nesting(srv):
    c = session(srv, select="INBOX")
    for depth in (50, 1000, 20000):
        r = c.cmd("SEARCH " + "(" * depth + "ALL" + ")" * depth)
        assert r.status in ("BAD", "NO"), (depth, r)
    r = c.cmd("FETCH 1 (" + "(" * 5000 + ")" * 5000 + ")")
    assert r.status == "BAD", r
    r = c.cmd("SEARCH " + "NOT " * 5000 + "ALL")
    assert r.status in ("OK", "BAD", "NO"), r
    r = c.cmd("SEARCH " + "OR ALL " * 3000 + "ALL")
    assert r.status in ("OK", "BAD", "NO"), r
    c.ok("NOOP")
    c.logout()


def test_huge_sequence_sets(srv):
    c = session(srv, select="INBOX")
    big = ",".join(str(i) for i in range(1, 40000, 2))[:60000].rstrip(",")
    r = c.cmd(f"FETCH {big} (FLAGS)")
    assert r.status in ("OK", "BAD", "NO"), r
    r = c.cmd("UID FETCH 1:4294967295 (FLAGS)")
    assert r.status == "OK", r
    r = c.cmd("FETCH 1:4294967295 (FLAGS)")
    assert r.status in ("OK", "BAD", "NO"), r
    r = c.cmd("FETCH 4294967296 (FLAGS)")
    assert r.status == "BAD", r
    r = c.cmd("SEARCH UID 1:4294967295")
    assert r.status == "OK", r
    c.ok("NOOP")
    c.logout()


def test_thousands_of_pipelined_commands(srv):
    c = session(srv)
    box = f"pipe-{token()}"
    c.ok(f'CREATE "{box}"')
    c.append(box, msg("p"))
    c.select(box)
    n = 5000
    cmds = []
    for i in range(n):
        cmds.append(f"p{i} " + ("NOOP" if i % 3 else "FETCH 1 (UID FLAGS)" if i % 2 else "STORE 1 FLAGS (x)"))
    c.send(("\r\n".join(cmds) + "\r\n").encode())
    for i in range(n):
        r = c.collect(f"p{i}")
        assert r.status == "OK", (i, r)
    c.logout()


def test_slow_reader_bounded_and_others_unaffected(srv):
    c = session(srv)
    box = f"slow-{token()}"
    c.ok(f'CREATE "{box}"')
    m = msg("slow", body="") + b"0123456789abcdef" * (LIMIT // 16 - 16)
    c.append(box, m)
    c.select(box)
    for _ in range(9):  # copies share the blob: 1024 messages of ~64 KiB = 64 MiB of answer
        c.ok(f'COPY 1:* "{box}"')
    c.ok("NOOP")
    rss0 = srv.rss_kb()
    c.send("s1 FETCH 1:* (BODY.PEEK[])\r\n")
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    time.sleep(1.5)  # the server fills the socket buffers and must wait
    grown = srv.rss_kb() - rss0
    t0 = time.monotonic()
    assert_alive(srv)
    other = session(srv, "alice", select=box)
    r = other.ok("FETCH 1 (RFC822.SIZE)")
    assert r.fetches()[0][1]["RFC822.SIZE"] == str(len(m))
    other.logout()
    assert time.monotonic() - t0 < 5, "other sessions were slowed down"
    assert grown < RSS_GROWTH_LIMIT_KB, f"server buffered {grown} KiB for a reader that does not read"
    c.close()
    time.sleep(0.3)
    assert_alive(srv)


def test_error_storm_ends_with_bye(srv):
    c = session(srv)
    c.send("".join(f"e{i} BOGUS{i}\r\n" for i in range(30)))
    data = c.read_until_close(timeout=10)
    lines = data.split(b"\r\n")
    bads = [l for l in lines if re.match(rb"^e\d+ BAD", l)]
    assert len(bads) == 10, lines
    assert any(l.startswith(b"* BYE") for l in lines), lines
    assert_alive(srv)


def test_garbage_before_login(srv):
    c = Imap(srv)
    junk = bytes(range(256)) * 4 + b"\r\n" + b"\x00\x01\x02 LOGIN\r\n" + b"{5}\r\n" + b"a b c d e f\r\n" * 5
    c.send(junk + b"\r\n" * 3 + b"".join(b"%d\r\n" % i for i in range(20)))
    data = c.read_until_close(timeout=10)
    assert b"* BYE" in data, data[-500:]
    assert not re.search(rb"^\S+ OK", data, re.M), data
    assert_alive(srv)


def test_too_many_sessions_for_one_user(make_server):
    s = make_server(users=("few",), overrides={"imap.sessions_per_user": 3})
    held = []
    for _ in range(3):
        c = Imap(s)
        c.login("few")
        held.append(c)
    c = Imap(s)
    r = c.cmd(f'LOGIN "{s.addr("few")}" "{s.pw("few")}"')
    assert r.status == "NO" and r.tagged.startswith(b"NO [LIMIT]"), r
    # not logged in: still in the not-authenticated state
    assert c.cmd("SELECT INBOX").status == "BAD"
    held.pop().logout()
    time.sleep(0.2)
    c.login("few")
    c.logout()
    for h in held:
        h.logout()


def test_compressed_bomb(srv):
    c = session(srv)
    c.ok("COMPRESS DEFLATE")
    c.deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.inflate = zlib.decompressobj(-15)
    rss0 = srv.rss_kb()
    # 64 MiB of one line compress to ~64 KiB
    chunk = b"b1 NOOP " + b"A" * (1024 * 1024 - 8)
    payload = c.deflate.compress(chunk)
    for _ in range(63):
        payload += c.deflate.compress(b"A" * (1024 * 1024))
    payload += c.deflate.compress(b"\r\nb2 NOOP\r\n") + c.deflate.flush(zlib.Z_SYNC_FLUSH)
    c.sock.sendall(payload)
    r = c.read_response()
    assert re.match(rb"^(b1|\*) BAD", r), r
    r = c.collect("b2")
    assert r.status == "OK", r
    assert srv.rss_kb() - rss0 < RSS_GROWTH_LIMIT_KB
    # garbage that is not DEFLATE at all ends the connection cleanly
    c.sock.sendall(b"\xff" * 1000)
    c.read_until_close(timeout=10)
    assert_alive(srv)


def test_idle_garbage_and_commands_after(srv):
    c = session(srv, select="INBOX")
    c.send("i1 IDLE\r\n")
    assert c.read_response().startswith(b"+")
    c.send("NOT DONE\r\n")
    r = c.collect("i1")
    assert r.status in ("OK", "BAD"), r
    c.ok("NOOP")
    # IDLE, DONE and the next command in one write
    c.send("i2 IDLE\r\n")
    assert c.read_response().startswith(b"+")
    c.send("DONE\r\ni3 NOOP\r\n")
    assert c.collect("i2").status == "OK"
    assert c.collect("i3").status == "OK"
    c.logout()
