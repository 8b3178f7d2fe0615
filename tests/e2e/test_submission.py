"""Submission: port 587 (STARTTLS) and 465 (implicit TLS, RFC 8314). AUTH only
after TLS (RFC 3207, 4954), PLAIN/LOGIN via smtplib, SCRAM-SHA-256 with a small
hand-written client (RFC 5802, 7677), sender ownership, queuing of remote mail.

Failed logins slow down every later login from the same IP (DESIGN §7), so the
tests that fail logins get their own server."""

import base64
import smtplib
import socket
import ssl

import pytest

from conftest import (HOST, LineReader, ScramSha256, auth_plain_b64, b64, module_server, simple_message, split_trace,
                      token)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    def setup(s):
        s.cli("alias", "add", "--data", s.data, "alice.alias@example.test", "alice@example.test", check=True)
        s.cli("alias", "add", "--data", s.data, "team@example.test", "bob@example.test", check=True)

    s = module_server(tmp_path_factory, "submission", setup=setup)
    yield s
    s.finish()


def messages_with(srv, user, tok):
    return [m for m in srv.pop3_messages(user) if tok.encode() in m]


# ---- before TLS ---------------------------------------------------------------------

def test_587_no_auth_before_tls(srv):
    c = srv.smtp("submission")
    ext = c.extensions()
    assert "STARTTLS" in ext
    assert "AUTH" not in ext, f"AUTH advertised before TLS: {c.ehlo_reply}"
    r = c.cmd("AUTH PLAIN " + auth_plain_b64("alice@example.test", srv.pw("alice")))
    assert 500 <= r.code < 600, r
    assert r.code == 538 or r.enhanced == "5.7.11" or r.code == 530, r
    r = c.cmd("AUTH LOGIN")
    assert 500 <= r.code < 600, r
    r = c.cmd("MAIL FROM:<alice@example.test>")
    assert (r.code, r.enhanced) == (530, "5.7.0"), r
    c.quit()


def test_587_mail_without_auth_after_tls_530(srv):
    c = srv.smtp("submission")
    c.starttls()
    c.ehlo()
    assert "AUTH" in c.extensions()
    r = c.cmd("MAIL FROM:<alice@example.test>")
    assert (r.code, r.enhanced) == (530, "5.7.0"), r
    r = c.cmd("RCPT TO:<bob@example.test>")
    assert 500 <= r.code < 600, r
    c.quit()


def test_465_mail_without_auth_530(srv):
    c = srv.smtp("submissions")
    assert c.greeting.code == 220
    ext = c.extensions()
    assert "STARTTLS" not in ext, "STARTTLS offered on an implicit-TLS port"
    mechs = ext.get("AUTH", "").upper().split()
    assert {"PLAIN", "LOGIN", "SCRAM-SHA-256"} <= set(mechs), ext
    r = c.cmd("MAIL FROM:<alice@example.test>")
    assert (r.code, r.enhanced) == (530, "5.7.0"), r
    c.quit()


def test_465_plaintext_client_gets_nothing_useful(srv):
    # a client speaking plaintext SMTP to the implicit-TLS port never gets a 220
    sock = socket.create_connection((HOST, srv.ports["submissions"]), timeout=5)
    try:
        sock.sendall(b"EHLO client.test\r\n")
        data = b""
        try:
            while len(data) < 100:
                chunk = sock.recv(100)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        assert not data.startswith(b"220"), data
    finally:
        sock.close()


# ---- after TLS: mechanisms ---------------------------------------------------------------

@pytest.mark.parametrize("port", ["submission", "submissions"])
def test_auth_advertised_after_tls(srv, port):
    s = srv.smtplib(port)
    mechs = s.esmtp_features.get("auth", "").upper().split()
    assert {"PLAIN", "LOGIN", "SCRAM-SHA-256"} <= set(mechs), s.esmtp_features
    s.quit()


@pytest.mark.parametrize("port", ["submission", "submissions"])
@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_auth_and_send_local(srv, port, mech):
    tok = token()
    s = srv.smtplib(port)
    s.user, s.password = "alice@example.test", srv.pw("alice")
    code, _ = s.auth(mech, getattr(s, "auth_" + mech.lower()), initial_response_ok=(mech == "PLAIN"))
    assert code == 235
    content = simple_message(tok, sender="alice@example.test")
    refused = s.sendmail("alice@example.test", ["bob@example.test"], content)
    assert refused == {}
    s.quit()
    (m,) = messages_with(srv, "bob", tok)
    rp, dt, received, body = split_trace(m)
    assert rp == "alice@example.test" and dt == "bob@example.test"
    assert body == content


def test_smtplib_login_default(srv):
    s = srv.smtplib("submission", login="bob")
    tok = token()
    s.sendmail("bob@example.test", ["alice@example.test"], simple_message(tok, sender="bob@example.test"))
    s.quit()
    assert len(messages_with(srv, "alice", tok)) == 1


def test_auth_login_without_initial_response(srv):
    c = srv.smtp("submission")
    c.starttls()
    c.ehlo()
    r = c.cmd("AUTH LOGIN")
    assert r.code == 334 and base64.b64decode(r.lines[0]).lower().startswith(b"user"), r
    r = c.cmd(base64.b64encode(b"alice@example.test").decode())
    assert r.code == 334 and base64.b64decode(r.lines[0]).lower().startswith(b"pass"), r
    r = c.cmd(base64.b64encode(srv.pw("alice").encode()).decode())
    assert (r.code, r.enhanced) == (235, "2.7.0"), r
    r = c.cmd("AUTH PLAIN " + auth_plain_b64("alice@example.test", srv.pw("alice")))
    assert r.code == 503, r  # already authenticated (RFC 4954 §4)
    c.quit()


def test_auth_plain_empty_initial_response(srv):
    c = srv.smtp("submissions")
    r = c.cmd("AUTH PLAIN")
    assert r.code == 334, r
    r = c.cmd(auth_plain_b64("alice@example.test", srv.pw("alice")))
    assert r.code == 235, r
    c.quit()


def test_empty_challenge_syntax(srv):
    # RFC 4954 §8: continue-req = "334" SP [base64] CRLF — the space is there even
    # when the challenge is empty (AUTH PLAIN without an initial response)
    c = srv.smtp("submissions")
    c.send("AUTH PLAIN\r\n")
    raw = c.reader.readline()
    assert raw == b"334 \r\n", raw
    c.send(auth_plain_b64("alice@example.test", srv.pw("alice")) + "\r\n")
    assert c.reply().code == 235
    c.quit()


def test_auth_cancel(srv):
    c = srv.smtp("submissions")
    r = c.cmd("AUTH LOGIN")
    assert r.code == 334
    r = c.cmd("*")
    assert r.code == 501, r  # RFC 4954 §4
    assert c.cmd("NOOP").code == 250
    c.quit()


# ---- SCRAM-SHA-256 ------------------------------------------------------------------------

def scram_auth(smtp, user, password):
    """RFC 5802/7677 client over smtplib.docmd; returns (code, text, got_server_first).
    Raises AssertionError if the server signature is wrong."""
    sc = ScramSha256(user, password)
    code, msg = smtp.docmd("AUTH", "SCRAM-SHA-256 " + b64(sc.first()))
    if code != 334:
        return code, msg, False
    final = sc.final(base64.b64decode(msg).decode())
    assert sc.iterations >= 4096, f"RFC 7677 §4: iteration count >= 4096, got {sc.iterations}"
    code, msg = smtp.docmd(b64(final))
    if code == 334:
        # RFC 4954 §4: additional data with success comes as a challenge; answer empty
        server_final = base64.b64decode(msg).decode()
        assert server_final == sc.expected_server_final(), f"bad server signature {server_final!r}"
        code, msg = smtp.docmd("")
    return code, msg, True


@pytest.mark.parametrize("port", ["submission", "submissions"])
def test_scram_sha256(srv, port):
    s = srv.smtplib(port)
    code, msg, _ = scram_auth(s, "alice@example.test", srv.pw("alice"))
    assert code == 235, (code, msg)
    tok = token()
    s.sendmail("alice@example.test", ["bob@example.test"], simple_message(tok, sender="alice@example.test"))
    s.quit()
    assert len(messages_with(srv, "bob", tok)) == 1


# ---- sender ownership / recipients ------------------------------------------------------

def test_mail_from_must_be_own_address(srv):
    s = srv.smtplib("submissions", login="alice")
    code, msg = s.docmd("MAIL", "FROM:<bob@example.test>")
    assert code == 553 and msg.startswith(b"5.7.1"), (code, msg)
    code, msg = s.docmd("MAIL", "FROM:<someone@remote.test>")
    assert code == 553 and msg.startswith(b"5.7.1"), (code, msg)
    code, msg = s.docmd("MAIL", "FROM:<team@example.test>")  # alias of bob, not alice
    assert code == 553 and msg.startswith(b"5.7.1"), (code, msg)
    code, msg = s.docmd("MAIL", "FROM:<ALICE@example.test>")  # case-insensitive match is fine
    assert code in (250, 553), (code, msg)
    s.rset()
    code, msg = s.docmd("MAIL", "FROM:<alice@example.test>")
    assert code == 250, (code, msg)
    s.quit()


def test_mail_from_alias_of_user(srv):
    tok = token()
    s = srv.smtplib("submission", login="alice")
    s.sendmail("alice.alias@example.test", ["bob@example.test"],
               simple_message(tok, sender="alice.alias@example.test"))
    s.quit()
    (m,) = messages_with(srv, "bob", tok)
    assert split_trace(m)[0] == "alice.alias@example.test"


def test_remote_recipient_is_queued_not_delivered_locally(srv):
    tok = token()
    s = srv.smtplib("submissions", login="alice")
    code, msg = s.docmd("MAIL", "FROM:<alice@example.test>")
    assert code == 250
    code, msg = s.docmd("RCPT", "TO:<someone@remote.test>")
    assert code == 250, (code, msg)
    code, msg = s.data(simple_message(tok, sender="alice@example.test", to="someone@remote.test"))
    assert code == 250, (code, msg)
    s.quit()
    for user in ("alice", "bob"):
        assert messages_with(srv, user, tok) == []
    assert "queued" in srv.log() or "queue" in srv.log()


def test_mixed_local_and_remote_recipients(srv):
    tok = token()
    s = srv.smtplib("submission", login="bob")
    refused = s.sendmail("bob@example.test", ["someone@remote.test", "alice@example.test"],
                         simple_message(tok, sender="bob@example.test"))
    assert refused == {}
    s.quit()
    assert len(messages_with(srv, "alice", tok)) == 1
    assert messages_with(srv, "bob", tok) == []


def test_unknown_local_recipient_on_submission(srv):
    s = srv.smtplib("submissions", login="alice")
    s.docmd("MAIL", "FROM:<alice@example.test>")
    code, msg = s.docmd("RCPT", "TO:<nobody@example.test>")
    assert code == 550 and msg.startswith(b"5.1.1"), (code, msg)
    s.quit()


# ---- failed logins (own servers: failures slow down later logins) ---------------------------

def test_wrong_password_and_unknown_user_same_reply(make_server):
    srv = make_server()
    replies = []
    for user, pw in (("alice@example.test", "wrong-" + srv.pw("alice")), ("nobody@example.test", "whatever")):
        c = srv.smtp("submissions")
        r = c.cmd("AUTH PLAIN " + auth_plain_b64(user, pw))
        replies.append(r)
        c.quit()
    assert (replies[0].code, replies[0].enhanced) == (535, "5.7.8"), replies
    assert replies[0].code == replies[1].code and replies[0].lines == replies[1].lines, replies
    log = srv.log()
    failed = [l for l in log.splitlines() if "auth failed" in l]
    assert len(failed) >= 2, log
    assert all("rip=127.0.0.1" in l for l in failed), failed


def test_wrong_password_smtplib_exception(make_server):
    srv = make_server()
    s = srv.smtplib("submission")
    with pytest.raises(smtplib.SMTPAuthenticationError) as e:
        s.login("alice@example.test", "not-the-password")
    assert e.value.smtp_code == 535
    # the session continues; a correct login now works
    s.login("alice@example.test", srv.pw("alice"))
    s.quit()


def test_scram_wrong_password_and_unknown_user(make_server):
    srv = make_server()
    results = []
    for user, pw in (("alice@example.test", "wrong"), ("nobody@example.test", "wrong")):
        s = srv.smtplib("submissions")
        # an unknown user also gets a server-first message (no enumeration)
        results.append(scram_auth(s, user, pw))
        s.close()
    assert results[0][0] == 535 and results[0][1].startswith(b"5.7.8"), results
    assert results[0] == results[1], results  # same reply, and both got a server-first message


def test_authzid_cannot_impersonate(srv):
    # RFC 4616 §2: alice's credentials with authzid bob must not make the session bob
    c = srv.smtp("submissions")
    r = c.cmd("AUTH PLAIN " + auth_plain_b64("alice@example.test", srv.pw("alice"), authzid="bob@example.test"))
    if r.code == 235:
        r2 = c.cmd("MAIL FROM:<bob@example.test>")
        assert r2.code == 553, f"authzid bob accepted for alice's credentials: {r2}"
    else:
        assert 500 <= r.code < 600, r
    c.quit()


def test_authzid_equal_to_authcid_ok(srv):
    c = srv.smtp("submissions")
    r = c.cmd("AUTH PLAIN " + auth_plain_b64("alice@example.test", srv.pw("alice"), authzid="alice@example.test"))
    assert r.code == 235, r
    c.quit()


def test_auth_unknown_mechanism(srv):
    c = srv.smtp("submissions")
    r = c.cmd("AUTH CRAM-MD5")
    assert r.code == 504, r  # RFC 4954 §4
    r = c.cmd("AUTH PLAIN !!!notbase64")
    assert r.code == 501, r
    assert c.cmd("NOOP").code == 250
    c.quit()


def test_plaintext_auth_on_loopback_when_allowed(make_server):
    srv = make_server(overrides={"auth.allow_plaintext_loopback": True})
    c = srv.smtp("submission")
    assert "AUTH" in c.extensions(), c.ehlo_reply
    r = c.cmd("AUTH PLAIN " + auth_plain_b64("alice@example.test", srv.pw("alice")))
    assert r.code == 235, r
    assert c.cmd("MAIL FROM:<alice@example.test>").code == 250
    c.quit()
    # never on the MX port
    c = srv.smtp("smtp")
    assert "AUTH" not in c.extensions()
    c.quit()


def test_starttls_injection_on_587(srv):
    c = srv.smtp("submission")
    c.send("STARTTLS\r\nEHLO evil.test\r\nAUTH PLAIN " + auth_plain_b64("alice@example.test", srv.pw("alice")) + "\r\n")
    r = c.reply()
    assert r.code == 220, r
    assert c.reader.buf == b""
    c.sock = srv.wrap(c.sock)
    c.reader = LineReader(c.sock)
    r = c.cmd("NOOP")
    assert r.code == 250 and len(r.lines) == 1, f"first reply after TLS is not NOOP's: {r}"
    # not authenticated, not even greeted: MAIL needs EHLO first
    r = c.cmd("MAIL FROM:<alice@example.test>")
    assert r.code in (503, 530), r
    c.ehlo()
    r = c.cmd("MAIL FROM:<alice@example.test>")
    assert (r.code, r.enhanced) == (530, "5.7.0"), f"injected AUTH took effect: {r}"
    c.quit()


# ---- TLS parameters (DESIGN §7) --------------------------------------------------------------

def tls_connect(srv, port, alpn=None, max_version=None, min_version=None):
    ctx = srv.tls_context()
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    sock = socket.create_connection((HOST, srv.ports[port]), timeout=10)
    return ctx.wrap_socket(sock, server_hostname="localhost")


def test_alpn_strict_on_implicit_tls(srv):
    # ALPACA: a client that offers ALPN without our protocol is refused
    for port in ("submissions", "pop3s"):
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            s = tls_connect(srv, port, alpn=["http/1.1"])
            s.recv(1)  # TLS 1.3: the alert may only arrive with the first read
    s = tls_connect(srv, "submissions", alpn=["http/1.1", "smtp"])
    assert s.selected_alpn_protocol() == "smtp"
    assert s.recv(3) == b"220"
    s.close()
    s = tls_connect(srv, "pop3s", alpn=["pop3"])
    assert s.selected_alpn_protocol() == "pop3"
    assert s.recv(3) == b"+OK"
    s.close()
    # no ALPN offered: fine
    s = tls_connect(srv, "submissions")
    assert s.selected_alpn_protocol() is None
    assert s.recv(3) == b"220"
    s.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_versions(srv):
    for port in ("submissions", "pop3s"):
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            s = tls_connect(srv, port, min_version=v, max_version=v)
            assert s.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[v]
            s.close()
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            s = tls_connect(srv, port, min_version=ssl.TLSVersion.TLSv1, max_version=ssl.TLSVersion.TLSv1_1)
            s.recv(1)
