"""Bad input (DESIGN §7): garbage and malformed commands get errors and the
session goes on; endless lines and endless DATA are cut off without the
server's memory growing; the server keeps serving afterwards; per-IP session
limit."""

import os
import random
import socket
import threading
import time

import pytest

from conftest import HOST, IO_TIMEOUT, LineReader, RawSMTP, module_server, parse_replies, token

RSS_GROWTH_LIMIT_KB = 50 * 1024


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = module_server(tmp_path_factory, "bad")
    yield s
    s.finish()


def garbage_line(rnd):
    # no letters (never a verb), no CR/LF; includes NUL and high bytes
    alphabet = bytes(range(0, 10)) + bytes(range(14, 32)) + b"!#$%&*+,-./0123456789:;<=>?@[]^_{|}~" + \
        bytes(range(0x80, 0x100))
    return bytes(rnd.choice(alphabet) for _ in range(rnd.randint(1, 200)))


def assert_smtp_alive(srv):
    c = srv.smtp()
    assert c.cmd("NOOP").code == 250
    c.quit()


def assert_pop3_alive(srv):
    p = srv.pop3("alice")
    p.stat()
    p.quit()


# ---- SMTP ------------------------------------------------------------------------------

def test_smtp_garbage_lines(srv):
    rnd = random.Random(1234)
    c = srv.smtp()
    for _ in range(8):  # below max_errors
        c.send(garbage_line(rnd) + b"\r\n")
        r = c.reply()
        assert r.code in (500, 501), r
    assert c.cmd("NOOP").code == 250
    # the session still works for mail
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.data(f"Subject: {token()}\r\n\r\nafter garbage\r\n".encode()).code == 250
    c.quit()


@pytest.mark.parametrize("line,codes", [
    ("HELO", (501,)),
    ("EHLO", (501,)),
    ("MAIL FROM:bob@example.test", (501,)),
    ("MAIL FROM:<bob@@example.test>", (501, 553)),
    ("MAIL FROM:<x@sender.test> SIZE=abc", (501,)),
    ("MAIL FROM:<x@sender.test> FOO=BAR", (501, 555)),
    ("MAIL TO:<x@sender.test>", (500, 501)),
    ("RCPT TO:<>", (501, 503, 550, 553)),
    ("DATA now", (501,)),
    ("BDAT x", (501,)),
    ("NOOP " + "x" * 3000, (500,)),
    ("\x00\x01\x02", (500, 501)),
    ("mail from:<>", (250,)),  # verbs are case-insensitive (RFC 5321 §2.4)
])
def test_smtp_malformed_commands(srv, line, codes):
    c = srv.smtp()
    r = c.cmd(line)
    assert r.code in codes, (line, r)
    r = c.cmd("NOOP")
    assert r.code == 250, r
    c.quit()


def test_smtp_non_utf8_address(srv):
    c = srv.smtp()
    c.send(b"MAIL FROM:<\xff\xfe@sender.test> SMTPUTF8\r\n")
    r = c.reply()
    assert 500 <= r.code < 600, r
    assert c.cmd("NOOP").code == 250
    c.quit()


def send_until_cut(sock, total, chunk=b"A" * 65536):
    """Sends up to `total` bytes; returns bytes sent before the server stopped reading."""
    sent = 0
    sock.settimeout(20)
    try:
        while sent < total:
            sock.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    return sent


def endless_line(srv, port, greeting):
    """Sends 10 MB without a line end after the greeting; returns what the server said
    until it closed the connection."""
    sock = socket.create_connection((HOST, srv.ports[port]), timeout=IO_TIMEOUT)
    rd = LineReader(sock)
    assert rd.readline().startswith(greeting)
    send_until_cut(sock, 10 * 1024 * 1024)
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    data = rd.read_all_until_close(timeout=IO_TIMEOUT)
    sock.close()
    return data


def test_smtp_10mb_line_without_newline(srv):
    rss_before = srv.rss_kb()
    data = endless_line(srv, "smtp", b"220")
    replies = parse_replies(data) if data else []
    assert replies, "no error reply for a 10 MB line"
    assert all(r.code >= 400 for r in replies), replies
    assert replies[0].code == 500, replies
    rss_after = srv.rss_kb()
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_KB, (rss_before, rss_after)
    assert_smtp_alive(srv)


def test_smtp_10mb_line_then_session_continues(srv):
    # a too-long line is answered with an error; the next line is a normal command again
    c = srv.smtp()
    c.send(b"NOOP " + b"x" * (1024 * 1024) + b"\r\n")
    r = c.reply()
    assert r.code == 500, r
    assert c.cmd("NOOP").code == 250
    c.quit()


def test_endless_data_cut_off(make_server):
    srv = make_server(overrides={"smtp.max_message_size": 1024 * 1024})
    rss_before = srv.rss_kb()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.cmd("DATA").code == 354
    result = {}

    def writer():
        result["sent"] = send_until_cut(c.sock, 200 * 1024 * 1024, chunk=(b"x" * 1022 + b"\r\n") * 64)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    data = c.reader.read_all_until_close(timeout=60)
    t.join(timeout=60)
    assert not t.is_alive(), "server kept reading an endless DATA"
    c.close()
    replies = parse_replies(data)
    assert replies and replies[0].code == 552 and replies[0].enhanced == "5.3.4", replies
    assert result["sent"] < 200 * 1024 * 1024, "server never stopped reading"
    assert srv.rss_kb() - rss_before < RSS_GROWTH_LIMIT_KB
    assert srv.pop3_count("bob") == 0
    # a new connection is served
    assert_smtp_alive(srv)
    tok = token()
    assert srv.deliver("bob", f"Subject: {tok}\r\n\r\nsmall\r\n".encode()).code == 250
    assert srv.pop3_count("bob") == 1


def test_bdat_huge_chunk_refused(make_server):
    srv = make_server(overrides={"smtp.max_message_size": 1024 * 1024})
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    c.send(b"BDAT 100000000000 LAST\r\n")
    r = c.reply()
    assert r.code == 552, r
    c.close()
    assert_smtp_alive(srv)


def test_many_connections_garbage_in_parallel(srv):
    rnd = random.Random(99)
    payloads = [os.urandom(rnd.randint(1, 5000)) for _ in range(20)]

    def blast(data):
        try:
            with socket.create_connection((HOST, srv.ports["smtp"]), timeout=IO_TIMEOUT) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(10)
                while s.recv(65536):
                    pass
        except OSError:
            pass

    threads = [threading.Thread(target=blast, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert_smtp_alive(srv)


def test_tls_ports_garbage_handshake(srv):
    for port in ("submissions", "pop3s"):
        with socket.create_connection((HOST, srv.ports[port]), timeout=IO_TIMEOUT) as s:
            s.sendall(os.urandom(3000))
            s.settimeout(10)
            try:
                while s.recv(65536):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
    assert_smtp_alive(srv)
    assert_pop3_alive(srv)


# ---- POP3 ------------------------------------------------------------------------------

def test_pop3_garbage_lines(srv):
    rnd = random.Random(4321)
    sock = socket.create_connection((HOST, srv.ports["pop3"]), timeout=IO_TIMEOUT)
    rd = LineReader(sock)
    assert rd.readline().startswith(b"+OK")
    for _ in range(5):
        sock.sendall(garbage_line(rnd) + b"\r\n")
        line = rd.readline()
        assert line.startswith(b"-ERR"), line
    for cmd in (b"RETR\r\n", b"STAT\r\n", b"PASS x\r\n"):
        sock.sendall(cmd)
        assert rd.readline().startswith(b"-ERR")
    sock.sendall(b"CAPA\r\n")
    assert rd.readline().startswith(b"+OK")
    while rd.readline() != b".\r\n":
        pass
    sock.sendall(b"QUIT\r\n")
    assert rd.readline().startswith(b"+OK")
    sock.close()


def test_pop3_10mb_line_without_newline(srv):
    rss_before = srv.rss_kb()
    data = endless_line(srv, "pop3", b"+OK")
    assert data.startswith(b"-ERR"), data[:200]
    assert b"+OK" not in data
    assert srv.rss_kb() - rss_before < RSS_GROWTH_LIMIT_KB
    assert_pop3_alive(srv)


def test_pop3_too_many_errors_closes(srv):
    sock = socket.create_connection((HOST, srv.ports["pop3"]), timeout=IO_TIMEOUT)
    rd = LineReader(sock)
    assert rd.readline().startswith(b"+OK")
    sock.sendall(b"BOGUS\r\n" * 50)
    data = rd.read_all_until_close()
    sock.close()
    lines = data.split(b"\r\n")
    assert all(l.startswith(b"-ERR") for l in lines if l), data
    assert len([l for l in lines if l]) <= 11, "session not closed after max_errors"


# ---- limits ---------------------------------------------------------------------------

def test_sessions_per_ip_limit(make_server):
    srv = make_server(overrides={"limits.sessions_per_ip": 3})
    conns = []
    # the readiness probes' sessions may still be closing: retry until 3 are in
    for _ in range(100):
        c = RawSMTP(srv)
        if c.greeting.code == 220:
            conns.append(c)
            if len(conns) == 3:
                break
        else:
            assert c.greeting.code == 421, c.greeting
            c.close()
            time.sleep(0.05)
    assert len(conns) == 3
    sock = socket.create_connection((HOST, srv.ports["smtp"]), timeout=IO_TIMEOUT)
    rd = LineReader(sock)
    line = rd.readline()
    assert line.startswith(b"421"), line
    sock.close()
    for c in conns:
        c.quit()
    # once the others are gone, a new session is accepted again
    for _ in range(50):
        c = RawSMTP(srv)
        if c.greeting.code == 220:
            c.quit()
            break
        c.close()
        time.sleep(0.1)
    else:
        raise AssertionError("sessions not released after QUIT")


def test_idle_timeouts(make_server):
    """command_timeout / data_timeout / pop3 idle_timeout (all at their minimum, 10 s):
    a silent client is disconnected (RFC 5321 §3.8 allows closing after a timeout,
    with or without a 421; RFC 1939 §3 autologout)."""
    srv = make_server(overrides={"smtp.command_timeout": 10, "smtp.data_timeout": 10, "pop3.idle_timeout": 10})
    smtp_idle = srv.smtp()
    smtp_data = srv.smtp()
    assert smtp_data.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert smtp_data.cmd("RCPT TO:<bob@example.test>").code == 250
    assert smtp_data.cmd("DATA").code == 354
    smtp_data.send(b"Subject: half\r\n\r\nhalf a mess")
    pop = socket.create_connection((HOST, srv.ports["pop3"]), timeout=IO_TIMEOUT)
    prd = LineReader(pop)
    assert prd.readline().startswith(b"+OK")
    # bounded waits in parallel (no timing assertion): each must be closed by the server
    results = {}

    def wait_close(name, reader):
        try:
            results[name] = reader.read_all_until_close(timeout=45)
        except socket.timeout:
            results[name] = None

    threads = [threading.Thread(target=wait_close, args=a)
               for a in (("smtp idle", smtp_idle.reader), ("smtp data", smtp_data.reader), ("pop3 idle", prd))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in (smtp_idle, smtp_data):
        c.close()
    pop.close()
    still_open = [n for n, r in results.items() if r is None]
    assert not still_open, f"not disconnected 45 s after a 10 s timeout: {still_open}"
    for name in ("smtp idle", "smtp data"):
        replies = parse_replies(results[name]) if results[name] else []
        assert all(r.code == 421 for r in replies), (name, results[name])
    assert results["pop3 idle"] == b"" or results["pop3 idle"].startswith(b"-ERR"), results["pop3 idle"]
    assert srv.pop3_count("bob") == 0
    assert_smtp_alive(srv)
