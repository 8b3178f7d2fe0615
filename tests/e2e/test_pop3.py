"""POP3 on 110 (STLS) and 995 (implicit TLS): CAPA, no passwords before TLS,
USER/PASS, AUTH (RFC 5034), STAT/LIST/UIDL/RETR/TOP/DELE/RSET/NOOP/QUIT,
exact bytes, dot-stuffing, UIDL stability, UPDATE-state semantics, [IN-USE],
[AUTH], STLS injection. RFC 1939, 2449, 2595, 3206, 5034, 8314.

Every test uses its own mailbox user (created before the server starts) so the
tests do not depend on each other's maildrops."""

import base64
import os
import poplib
import socket
import time

import pytest

from conftest import (HOST, IO_TIMEOUT, LineReader, ScramSha256, auth_plain_b64, b64, module_server, simple_message,
                      split_trace, token)

USERS = ["nocrlf", "capa", "retr", "dots", "uidl", "dele", "drop", "rset", "inuse", "during", "top", "list", "saslp", "noinitial",
         "stlsuser", "empty", "big"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = module_server(tmp_path_factory, "pop3", users=["alice", "bob"] + USERS)
    yield s
    s.finish()


def deliver(srv, user, tok=None, content=None):
    tok = tok or token()
    content = content or simple_message(tok, to=f"{user}@example.test")
    r = srv.deliver(user, content)
    assert r.code == 250, r
    return content


def retr_bytes(p, i):
    _, lines, octets = p.retr(i)
    return b"".join(l + b"\r\n" for l in lines)


# ---- CAPA / TLS ----------------------------------------------------------------------

def test_capa_before_tls(srv):
    p = srv.pop3(tls=None)
    caps = p.capa()
    for c in ("TOP", "UIDL", "RESP-CODES", "PIPELINING", "STLS"):
        assert c in caps, caps
    assert "USER" not in caps, f"USER advertised before TLS: {caps}"
    assert "SASL" not in caps, f"SASL advertised before TLS: {caps}"
    p.quit()


@pytest.mark.parametrize("mode", ["stls", "pop3s"])
def test_capa_after_tls(srv, mode):
    p = srv.pop3(tls=mode)
    caps = p.capa()
    for c in ("TOP", "UIDL", "RESP-CODES", "PIPELINING", "USER", "SASL"):
        assert c in caps, caps
    assert {"PLAIN", "LOGIN", "SCRAM-SHA-256"} <= set(m.upper() for m in caps["SASL"]), caps
    assert "STLS" not in caps, caps
    p.quit()


def test_user_pass_refused_before_tls(srv):
    p = srv.pop3(tls=None)
    with pytest.raises(poplib.error_proto):
        p.user("alice@example.test")
        p.pass_(srv.pw("alice"))
    # AUTH PLAIN is refused too
    with pytest.raises(poplib.error_proto):
        p._shortcmd("AUTH PLAIN " + auth_plain_b64("alice@example.test", srv.pw("alice")))
    # and the session still is not logged in
    with pytest.raises(poplib.error_proto):
        p.stat()
    p.quit()


def test_stls_login(srv):
    tok = token()
    content = deliver(srv, "stlsuser", tok)
    p = srv.pop3("stlsuser", tls="stls")
    assert p.stat()[0] == 1
    assert split_trace(retr_bytes(p, 1))[3] == content
    p.quit()


def test_stls_twice_refused(srv):
    p = srv.pop3(tls="stls")
    with pytest.raises(poplib.error_proto):
        p._shortcmd("STLS")
    p.quit()


@pytest.mark.parametrize("injected", [b"CAPA\r\n", b"USER alice@example.test\r\n", b"NOOP\r\n"])
def test_stls_injection_discarded(srv, injected):
    sock = socket.create_connection((HOST, srv.ports["pop3"]), timeout=IO_TIMEOUT)
    rd = LineReader(sock)
    assert rd.readline().startswith(b"+OK")
    sock.sendall(b"STLS\r\n" + injected)
    line = rd.readline()
    assert line.startswith(b"+OK"), line
    assert rd.buf == b""
    tls = srv.wrap(sock)
    rd = LineReader(tls)
    # first reply after TLS answers our own command; PASS without an injected USER fails
    tls.sendall(b"PASS " + srv.pw("alice").encode() + b"\r\n")
    line = rd.readline()
    assert line.startswith(b"-ERR"), f"first reply after TLS: {line!r}"
    tls.sendall(b"QUIT\r\n")
    assert rd.readline().startswith(b"+OK")
    tls.close()


# ---- transaction state ------------------------------------------------------------------

def test_empty_maildrop(srv):
    p = srv.pop3("empty")
    assert p.stat() == (0, 0)
    assert p.list()[1] == []
    assert p.uidl()[1] == []
    with pytest.raises(poplib.error_proto):
        p.retr(1)
    p.quit()


def test_stat_list_retr_exact_bytes(srv):
    contents = [deliver(srv, "retr") for _ in range(3)]
    p = srv.pop3("retr")
    count, size = p.stat()
    assert count == 3
    _, listing, _ = p.list()
    sizes = {int(a): int(b) for a, b in (l.split() for l in listing)}
    assert sorted(sizes) == [1, 2, 3]
    assert sum(sizes.values()) == size
    for i, content in enumerate(contents, 1):
        raw = retr_bytes(p, i)
        assert len(raw) == sizes[i], f"LIST size {sizes[i]} != RETR octets {len(raw)} (RFC 1939 §5)"
        resp = p._shortcmd(f"LIST {i}")
        assert resp.split()[1:] == [str(i).encode(), str(sizes[i]).encode()], resp
        rp, dt, _, body = split_trace(raw)
        assert dt == "retr@example.test"
        assert body == content
    assert p.noop().startswith(b"+OK")
    with pytest.raises(poplib.error_proto):
        p.retr(4)
    with pytest.raises(poplib.error_proto):
        p.retr(0)
    p.quit()


def test_dot_lines_round_trip(srv):
    tok = token()
    content = (f"Subject: dots {tok}\r\n\r\n.\r\n..\r\n...\r\n.x\r\n..y\r\n. \r\nend\r\n.\r\n").encode()
    deliver(srv, "dots", content=content)
    # poplib un-dot-stuffs
    p = srv.pop3("dots")
    assert split_trace(retr_bytes(p, 1))[3] == content
    p.quit()
    # raw check of the wire format: every line starting with "." is stuffed
    sock = srv.wrap(socket.create_connection((HOST, srv.ports["pop3s"]), timeout=IO_TIMEOUT))
    rd = LineReader(sock)
    assert rd.readline().startswith(b"+OK")
    sock.sendall(b"USER dots@example.test\r\n")
    assert rd.readline().startswith(b"+OK")
    sock.sendall(b"PASS " + srv.pw("dots").encode() + b"\r\n")
    assert rd.readline().startswith(b"+OK")
    sock.sendall(b"RETR 1\r\n")
    assert rd.readline().startswith(b"+OK")
    wire = []
    while True:
        line = rd.readline()
        assert line.endswith(b"\r\n"), line
        if line == b".\r\n":
            break
        wire.append(line)
    body = b"".join(wire)
    assert body.endswith(b"end\r\n..\r\n")
    assert b"\r\n..\r\n...\r\n....\r\n..x\r\n...y\r\n.. \r\nend\r\n..\r\n" in body, body
    sock.sendall(b"QUIT\r\n")
    assert rd.readline().startswith(b"+OK")
    sock.close()


def test_large_message_exact(srv):
    blob = base64.encodebytes(os.urandom(600_000)).replace(b"\n", b"\r\n")
    content = b"Subject: big\r\n\r\n" + blob
    deliver(srv, "big", content=content)
    p = srv.pop3("big")
    assert split_trace(retr_bytes(p, 1))[3] == content
    p.quit()


def test_message_without_final_crlf(srv):
    # BDAT can deliver content that does not end in CRLF; RETR must still be a
    # well-formed multi-line response (RFC 1939 §3) carrying every byte
    tok = token()
    content = f"Subject: {tok}\r\n\r\nno line break at the end".encode()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<nocrlf@example.test>").code == 250
    c.send(b"BDAT %d LAST\r\n" % len(content) + content)
    r = c.reply()
    c.quit()
    if r.code != 250:
        assert 500 <= r.code < 600, r  # refusing such content is fine too
        return
    p = srv.pop3("nocrlf")
    raw = retr_bytes(p, 1)
    assert split_trace(raw)[3] in (content, content + b"\r\n")
    assert p.noop().startswith(b"+OK")  # the response was terminated correctly
    p.quit()


def test_uidl_stable_across_sessions(srv):
    for _ in range(3):
        deliver(srv, "uidl")
    p = srv.pop3("uidl")
    _, l1, _ = p.uidl()
    single = p.uidl(2)
    p.quit()
    assert len(l1) == 3
    uids = [l.split()[1] for l in l1]
    assert len(set(uids)) == 3
    assert single.split()[1:] == [b"2", uids[1]]
    for u in uids:
        assert 1 <= len(u) <= 70 and all(0x21 <= c <= 0x7E for c in u), u  # RFC 1939 §7
    p = srv.pop3("uidl")
    _, l2, _ = p.uidl()
    p.dele(1)
    p.quit()
    assert l1 == l2
    # after deleting message 1, the others keep their UIDs (renumbered, same unique ids)
    deliver(srv, "uidl")
    p = srv.pop3("uidl")
    _, l3, _ = p.uidl()
    p.quit()
    uids3 = [l.split()[1] for l in l3]
    assert uids3[:2] == uids[1:]
    assert uids3[2] not in uids


def test_top(srv):
    tok = token()
    content = (f"Subject: top {tok}\r\nX-Extra: 1\r\n\r\nline1\r\nline2\r\n.line3\r\nline4\r\n").encode()
    deliver(srv, "top", content=content)
    p = srv.pop3("top")
    _, lines, _ = p.top(1, 0)
    raw = b"".join(l + b"\r\n" for l in lines)
    _, _, _, head = split_trace(raw)
    assert head == f"Subject: top {tok}\r\nX-Extra: 1\r\n\r\n".encode()
    _, lines, _ = p.top(1, 3)
    raw = b"".join(l + b"\r\n" for l in lines)
    assert split_trace(raw)[3] == f"Subject: top {tok}\r\nX-Extra: 1\r\n\r\nline1\r\nline2\r\n.line3\r\n".encode()
    _, lines, _ = p.top(1, 100)
    raw = b"".join(l + b"\r\n" for l in lines)
    assert split_trace(raw)[3] == content
    with pytest.raises(poplib.error_proto):
        p._shortcmd("TOP 1")
    with pytest.raises(poplib.error_proto):
        p._shortcmd("TOP 1 -1")
    p.quit()


def test_dele_takes_effect_only_after_quit(srv):
    contents = [deliver(srv, "dele") for _ in range(3)]
    p = srv.pop3("dele")
    assert p.stat()[0] == 3
    assert p.dele(2).startswith(b"+OK")
    assert p.stat()[0] == 2
    with pytest.raises(poplib.error_proto):
        p.retr(2)  # RFC 1939: a deleted message may not be accessed
    with pytest.raises(poplib.error_proto):
        p.dele(2)
    _, listing, _ = p.list()
    assert [l.split()[0] for l in listing] == [b"1", b"3"]
    # not deleted yet: a look from outside is impossible (locked), so check after QUIT
    assert p.quit().startswith(b"+OK")
    p = srv.pop3("dele")
    assert p.stat()[0] == 2
    assert split_trace(retr_bytes(p, 1))[3] == contents[0]
    assert split_trace(retr_bytes(p, 2))[3] == contents[2]
    p.quit()


def test_dropped_connection_deletes_nothing(srv):
    for _ in range(2):
        deliver(srv, "drop")
    p = srv.pop3("drop")
    assert p.stat()[0] == 2
    p.dele(1)
    p.dele(2)
    # drop the connection without QUIT
    p.sock.close()
    p.file.close()
    # the lock is released and nothing was deleted
    for _ in range(50):
        try:
            p = srv.pop3("drop")
            break
        except poplib.error_proto as e:
            assert b"IN-USE" in e.args[0], e
            time.sleep(0.1)
    assert p.stat()[0] == 2
    p.quit()


def test_rset_undeletes(srv):
    for _ in range(2):
        deliver(srv, "rset")
    p = srv.pop3("rset")
    p.dele(1)
    p.dele(2)
    assert p.stat()[0] == 0
    assert p.rset().startswith(b"+OK")
    assert p.stat()[0] == 2
    p.retr(1)
    p.quit()
    assert srv.pop3_count("rset") == 2


def test_second_login_in_use(srv):
    deliver(srv, "inuse")
    p1 = srv.pop3("inuse")
    p2 = srv.pop3(tls="pop3s")
    p2.user("inuse@example.test")
    with pytest.raises(poplib.error_proto) as e:
        p2.pass_(srv.pw("inuse"))
    assert e.value.args[0].startswith(b"-ERR [IN-USE]"), e.value
    p2.quit()
    # the first session is unaffected
    assert p1.stat()[0] == 1
    p1.quit()
    # after QUIT the maildrop is free again
    p3 = srv.pop3("inuse")
    assert p3.stat()[0] == 1
    p3.quit()


def test_message_delivered_during_session_appears_next_session(srv):
    deliver(srv, "during")
    p = srv.pop3("during")
    assert p.stat()[0] == 1
    deliver(srv, "during")
    assert p.stat()[0] == 1
    assert len(p.list()[1]) == 1
    with pytest.raises(poplib.error_proto):
        p.retr(2)
    p.quit()
    assert srv.pop3_count("during") == 2


def test_list_uidl_invalid_arguments(srv):
    deliver(srv, "list")
    p = srv.pop3("list")
    for cmd in ("LIST 2", "LIST 0", "LIST x", "UIDL 9", "DELE 0", "RETR abc"):
        with pytest.raises(poplib.error_proto):
            p._shortcmd(cmd)
    assert p.noop().startswith(b"+OK")
    p.quit()


# ---- SASL ----------------------------------------------------------------------------

def test_auth_plain_initial_response(srv):
    deliver(srv, "saslp")
    p = srv.pop3(tls="pop3s")
    resp = p._shortcmd("AUTH PLAIN " + auth_plain_b64("saslp@example.test", srv.pw("saslp")))
    assert resp.startswith(b"+OK"), resp
    assert p.stat()[0] == 1
    p.quit()


def test_auth_plain_without_initial_response(srv):
    p = srv.pop3(tls="stls")
    p._putcmd("AUTH PLAIN")
    line = p._getline()[0]
    assert line.startswith(b"+"), line
    resp = p._shortcmd(auth_plain_b64("noinitial@example.test", srv.pw("noinitial")))
    assert resp.startswith(b"+OK"), resp
    assert p.stat() == (0, 0)
    p.quit()


def test_auth_login_mechanism(srv):
    p = srv.pop3(tls="pop3s")
    p._putcmd("AUTH LOGIN")
    assert p._getline()[0].startswith(b"+")
    p._putcmd(base64.b64encode(b"alice@example.test").decode())
    assert p._getline()[0].startswith(b"+")
    resp = p._shortcmd(base64.b64encode(srv.pw("alice").encode()).decode())
    assert resp.startswith(b"+OK"), resp
    p.quit()


def test_auth_cancel(srv):
    p = srv.pop3(tls="pop3s")
    p._putcmd("AUTH PLAIN")
    assert p._getline()[0].startswith(b"+")
    with pytest.raises(poplib.error_proto):
        p._shortcmd("*")  # RFC 5034 §4: cancel → -ERR
    # still in AUTHORIZATION state; a normal login works
    p.user("alice@example.test")
    assert p.pass_(srv.pw("alice")).startswith(b"+OK")
    p.quit()


def test_commands_before_login_refused(srv):
    p = srv.pop3(tls="pop3s")
    for cmd in ("STAT", "LIST", "RETR 1", "DELE 1", "UIDL"):
        with pytest.raises(poplib.error_proto):
            p._shortcmd(cmd)
    p.quit()


def test_pipelining(srv):
    # RFC 2449 §6.6: several commands in one write, responses in order
    sock = srv.wrap(socket.create_connection((HOST, srv.ports["pop3s"]), timeout=IO_TIMEOUT))
    rd = LineReader(sock)
    assert rd.readline().startswith(b"+OK")
    sock.sendall(b"USER alice@example.test\r\nPASS " + srv.pw("alice").encode() + b"\r\nSTAT\r\nNOOP\r\nQUIT\r\n")
    lines = [rd.readline() for _ in range(5)]
    assert all(l.startswith(b"+OK") for l in lines), lines
    sock.close()


# ---- failed logins (own server: failures slow down later logins) ----------------------

def test_failed_login_auth_code(make_server):
    srv = make_server()
    p = srv.pop3(tls="pop3s")
    p.user("alice@example.test")
    with pytest.raises(poplib.error_proto) as e1:
        p.pass_("wrong")
    assert e1.value.args[0].startswith(b"-ERR [AUTH]"), e1.value
    p.user("nobody@example.test")
    with pytest.raises(poplib.error_proto) as e2:
        p.pass_("wrong")
    assert e2.value.args[0] == e1.value.args[0], "unknown user and wrong password must get the same reply"
    p.quit()
    failed = [l for l in srv.log().splitlines() if "auth failed" in l]
    assert len(failed) >= 2 and all("rip=127.0.0.1" in l for l in failed), failed


def pop3_scram(p, user, password):
    """RFC 5034 + RFC 7677 over poplib; returns the final response line."""
    sc = ScramSha256(user, password)
    p._putcmd("AUTH SCRAM-SHA-256 " + b64(sc.first()))
    line = p._getline()[0]
    if not line.startswith(b"+ "):
        return line
    p._putcmd(b64(sc.final(base64.b64decode(line[2:]).decode())))
    line = p._getline()[0]
    if line.startswith(b"+ "):
        assert base64.b64decode(line[2:]).decode() == sc.expected_server_final(), "bad server signature"
        p._putcmd("")
        line = p._getline()[0]
    return line


@pytest.mark.parametrize("mode", ["pop3s", "stls"])
def test_auth_scram_sha256(srv, mode):
    p = srv.pop3(tls=mode)
    line = pop3_scram(p, "alice@example.test", srv.pw("alice"))
    assert line.startswith(b"+OK"), line
    p.stat()
    p.quit()


def test_plaintext_login_on_loopback_when_allowed(make_server):
    srv = make_server(overrides={"auth.allow_plaintext_loopback": True})
    p = srv.pop3(tls=None)
    caps = p.capa()
    assert "USER" in caps and "STLS" in caps, caps
    p.user("alice@example.test")
    assert p.pass_(srv.pw("alice")).startswith(b"+OK")
    assert p.stat() == (0, 0)
    p.quit()


def test_scram_failures_same_reply(make_server):
    srv = make_server()
    replies = []
    for user in ("alice@example.test", "nobody@example.test"):
        p = srv.pop3(tls="pop3s")
        replies.append(pop3_scram(p, user, "wrong-password"))
        p.quit()
    assert replies[0].startswith(b"-ERR [AUTH]"), replies
    assert replies[0] == replies[1], replies
