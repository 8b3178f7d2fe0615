"""SMTP on the MX port: greeting, EHLO, envelope rules, DATA/BDAT, limits,
SMTPUTF8, pipelining, STARTTLS (incl. command injection).
RFC 5321, 1870, 2920, 3030, 3207, 6531, 2034."""

import email.utils
import re
import socket
import time

import pytest

from conftest import (HOST, IO_TIMEOUT, LineReader, RawSMTP, module_server, parse_replies, simple_message,
                      split_trace, token)

UTF8_ALIAS = "jürgen@example.test"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    def setup(s):
        s.add_user("carol")
        s.add_user("dave")
        # catch-all on a second domain, to have as many distinct local recipients as needed
        s.cli("domain", "add", "--data", s.data, "many.test", check=True)
        s.cli("alias", "add", "--data", s.data, "@many.test", "dave@example.test", check=True)
        s.cli("alias", "add", "--data", s.data, UTF8_ALIAS, "carol@example.test", check=True)
        s.cli("alias", "add", "--data", s.data, "postmaster@example.test", "dave@example.test", check=True)

    s = module_server(tmp_path_factory, "smtp", setup=setup)
    yield s
    s.finish()


def messages_with(srv, user, tok):
    return [m for m in srv.pop3_messages(user) if tok.encode() in m]


# ---- greeting / EHLO ----------------------------------------------------------------

def test_greeting_is_220(srv):
    c = RawSMTP(srv)
    assert c.greeting.code == 220, c.greeting
    assert "ESMTP" in c.greeting.lines[0] or "SMTP" in c.greeting.lines[0]
    c.quit()


def test_ehlo_extensions(srv):
    c = srv.smtp()
    ext = c.extensions()
    for e in ("PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "CHUNKING", "ENHANCEDSTATUSCODES", "STARTTLS"):
        assert e in ext, f"{e} missing from EHLO reply {c.ehlo_reply}"
    assert ext["SIZE"].isdigit() and int(ext["SIZE"]) == 50 * 1024 * 1024, ext["SIZE"]
    assert "AUTH" not in ext, "AUTH must not be offered on the MX port"
    c.quit()


def test_helo_works(srv):
    c = srv.smtp(ehlo=False)
    r = c.cmd("HELO client.test")
    assert r.code == 250, r
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    c.quit()


def test_auth_refused_on_mx_even_after_tls(srv):
    c = srv.smtp()
    c.starttls()
    r = c.ehlo()
    ext = c.extensions()
    assert "AUTH" not in ext, r
    assert "STARTTLS" not in ext, "STARTTLS offered again inside TLS"
    r = c.cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB4")
    assert 500 <= r.code < 600, r
    c.quit()


def test_mail_before_ehlo_is_503(srv):
    c = srv.smtp(ehlo=False)
    r = c.cmd("MAIL FROM:<x@sender.test>")
    assert r.code == 503, r
    # the session continues
    c.ehlo()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    c.quit()


def test_rcpt_before_mail_and_data_before_rcpt(srv):
    c = srv.smtp()
    assert c.cmd("RCPT TO:<bob@example.test>").code == 503
    assert c.cmd("DATA").code == 503
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 503  # nested MAIL
    r = c.cmd("DATA")
    assert r.code in (503, 554), r
    c.quit()


def test_vrfy_252(srv):
    c = srv.smtp()
    r = c.cmd("VRFY bob@example.test")
    assert r.code == 252, r
    r = c.cmd("VRFY nobody@example.test")
    assert r.code == 252, r  # no user enumeration
    c.quit()


def test_noop_rset_quit(srv):
    c = srv.smtp()
    assert c.cmd("NOOP").code == 250
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RSET").code == 250
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250  # RSET ended the transaction
    r = c.cmd("QUIT")
    assert r.code == 221, r
    assert c.sock.recv(1) == b""
    c.close()


def test_enhanced_status_codes_everywhere(srv):
    """RFC 2034 §3: once ENHANCEDSTATUSCODES is advertised, every 2xx/4xx/5xx reply
    except the greeting and the HELO/EHLO reply starts with class.subject.detail,
    whose class equals the reply's first digit."""
    tok = token()
    c = srv.smtp()
    got = []
    for cmd in ["NOOP", "RSET", "VRFY bob@example.test", "EXPN list", "HELP", "BOGUS", "MAIL FROM:bad",
                "RCPT TO:<bob@example.test>", "MAIL FROM:<x@sender.test>", "MAIL FROM:<x@sender.test>",
                "RCPT TO:<nobody@example.test>", "RCPT TO:<x@remote.test>", "RCPT TO:<bob@example.test> FOO=1",
                "RCPT TO:<bob@example.test>", "STARTTLS now", "AUTH PLAIN AHgAeA==", "DATA now"]:
        got.append((cmd, c.cmd(cmd)))
    got.append(("DATA content", c.data(simple_message(tok))))
    got.append(("MAIL SIZE", c.cmd("MAIL FROM:<x@sender.test> SIZE=999999999999")))
    got.append(("MAIL", c.cmd("MAIL FROM:<x@sender.test>")))
    got.append(("RCPT", c.cmd("RCPT TO:<bob@example.test>")))
    c.send(b"BDAT 5 LAST\r\nhello")
    got.append(("BDAT", c.reply()))
    got.append(("QUIT", c.cmd("QUIT")))
    c.close()
    bad = []
    for cmd, r in got:
        if r.code // 100 in (2, 4, 5):
            if not r.enhanced or r.enhanced[0] != str(r.code)[0]:
                bad.append((cmd, r))
    assert not bad, f"replies without a matching enhanced status code: {bad}"


# ---- recipients -----------------------------------------------------------------------

def test_unknown_local_recipient_550_511(srv):
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    r = c.cmd("RCPT TO:<nobody@example.test>")
    assert (r.code, r.enhanced) == (550, "5.1.1"), r
    c.quit()


def test_relay_denied_554_571(srv):
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    r = c.cmd("RCPT TO:<someone@remote.test>")
    assert (r.code, r.enhanced) == (554, "5.7.1"), r
    # also with a local sender address: the MX port never relays
    c.cmd("RSET")
    assert c.cmd("MAIL FROM:<alice@example.test>").code == 250
    r = c.cmd("RCPT TO:<someone@remote.test>")
    assert (r.code, r.enhanced) == (554, "5.7.1"), r
    c.quit()


def test_postmaster_accepted(srv):
    # RFC 5321 §4.5.1: "postmaster" (case-insensitive, without domain) MUST be accepted;
    # here postmaster@example.test is an alias of dave.
    tok = token()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    r = c.cmd("RCPT TO:<Postmaster>")
    assert r.code == 250, r
    assert c.data(simple_message(tok)).code == 250
    c.quit()
    assert len(messages_with(srv, "dave", tok)) == 1


def test_domain_is_case_insensitive(srv):
    # RFC 5321 §2.4: domain names are case-insensitive
    tok = token()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@SENDER.test>").code == 250
    r = c.cmd("RCPT TO:<bob@EXAMPLE.Test>")
    assert r.code == 250, r
    assert c.data(simple_message(tok)).code == 250
    c.quit()
    assert len(messages_with(srv, "bob", tok)) == 1


def test_ehlo_address_literal(srv):
    # RFC 5321 §4.1.4: an address literal is a valid EHLO argument
    c = srv.smtp(ehlo=False)
    r = c.cmd("EHLO [127.0.0.1]")
    assert r.code == 250, r
    r = c.cmd("EHLO [IPv6:::1]")
    assert r.code == 250, r
    c.quit()


def test_size_param_exactly_at_limit(srv):
    c = srv.smtp()
    r = c.cmd(f"MAIL FROM:<x@sender.test> SIZE={50 * 1024 * 1024}")
    assert r.code == 250, r
    c.quit()


def test_101st_recipient_452_453(srv):
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    for i in range(100):
        r = c.cmd(f"RCPT TO:<r{i}@many.test>")
        assert r.code == 250, (i, r)
    r = c.cmd("RCPT TO:<r100@many.test>")
    assert (r.code, r.enhanced) == (452, "4.5.3"), r
    # the session and transaction continue
    assert c.cmd("NOOP").code == 250
    assert c.cmd("RSET").code == 250
    c.quit()


# ---- DATA ---------------------------------------------------------------------------

def test_delivery_trace_headers_and_exact_bytes(srv):
    tok = token()
    content = (f"From: Sender <sender@sender.test>\r\nTo: bob@example.test\r\nSubject: exact {tok}\r\n"
               f"Message-ID: <{tok}@client.test>\r\n\r\nline 1\r\n.leading dot\r\n..two dots\r\n"
               f" leading space\r\n\ttab\r\ntrailing spaces   \r\n\r\n\r\nlast line\r\n").encode()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<sender@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    r = c.data(content)
    assert r.code == 250, r
    c.quit()
    # delivered at once: visible in the very next POP3 session
    msgs = messages_with(srv, "bob", tok)
    assert len(msgs) == 1
    rp, dt, received, body = split_trace(msgs[0])
    assert rp == "sender@sender.test"
    assert dt == "bob@example.test"
    assert received.startswith(b"Received: from ")
    assert body == content


def test_first_line_starting_with_dot(srv):
    # the CRLF that ends the DATA command counts as the start of the first line (RFC 5321 §4.5.2)
    tok = token()
    content = f".first line starts with a dot {tok}\r\nSubject: {tok}\r\n\r\nbody\r\n".encode()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.data(content).code == 250  # sent as "..first line"
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    assert split_trace(m)[3] == content


def test_empty_message(srv):
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<empty@sender.test>").code == 250
    assert c.cmd("RCPT TO:<dave@example.test>").code == 250
    assert c.cmd("DATA").code == 354
    c.send(b".\r\n")
    r = c.reply()
    assert r.code == 250 or 500 <= r.code < 600, r
    assert c.cmd("NOOP").code == 250
    c.quit()
    if r.code == 250:
        msgs = [m for m in srv.pop3_messages("dave") if m.startswith(b"Return-Path: <empty@sender.test>")]
        assert len(msgs) == 1
        assert split_trace(msgs[0])[3] == b""


def test_received_header_fields(srv):
    # RFC 5321 §4.4: from (HELO + IP), by, with, id, for (single recipient), date
    tok = token()
    c = srv.smtp(ehlo=False)
    c.ehlo("helo-name.client.test")
    assert c.cmd("MAIL FROM:<sender@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.data(simple_message(tok)).code == 250
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    received = split_trace(m)[2].decode()
    unfolded = re.sub(r"\r\n[ \t]+", " ", received)
    assert re.match(r"Received: from helo-name\.client\.test \(.*127\.0\.0\.1.*\) by localhost\b", unfolded), unfolded
    assert re.search(r"\bwith ESMTP\b", unfolded), unfolded
    assert re.search(r"\bid \S+", unfolded), unfolded
    assert "for <bob@example.test>" in unfolded, unfolded
    # ends with "; <RFC 5322 date-time>"
    date = unfolded.rsplit(";", 1)[1].strip()
    assert email.utils.parsedate_to_datetime(date) is not None, date


def test_terminator_split_across_packets(srv):
    tok = token()
    content = f"Subject: {tok}\r\n\r\nline\r\n.dot\r\nend".encode()
    wire = content.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n"
    c = srv.smtp()
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.cmd("DATA").code == 354
    for b in wire:  # one byte per packet, as far as TCP lets us
        c.send(bytes([b]))
        time.sleep(0.002)
    r = c.reply()
    assert r.code == 250, r
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    assert split_trace(m)[3] == content + b"\r\n"


def test_null_sender_accepted(srv):
    tok = token()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.data(simple_message(tok)).code == 250
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    rp, _, _, _ = split_trace(m)
    assert rp == ""


def test_multiple_recipients_each_get_a_copy(srv):
    tok = token()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<sender@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.cmd("RCPT TO:<carol@example.test>").code == 250
    content = simple_message(tok)
    assert c.data(content).code == 250
    c.quit()
    for user in ("bob", "carol"):
        (m,) = messages_with(srv, user, tok)
        _, dt, _, body = split_trace(m)
        assert dt == f"{user}@example.test"
        assert body == content


def test_size_param_over_limit_552_534(srv):
    c = srv.smtp()
    r = c.cmd(f"MAIL FROM:<x@sender.test> SIZE={50 * 1024 * 1024 + 1}")
    assert (r.code, r.enhanced) == (552, "5.3.4"), r
    r = c.cmd("MAIL FROM:<x@sender.test> SIZE=1000")
    assert r.code == 250, r
    c.quit()


def test_message_over_max_size_after_data(make_server):
    srv = make_server(overrides={"smtp.max_message_size": 100000})
    c = srv.smtp()
    assert c.extensions()["SIZE"] == "100000"
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    body = ("x" * 998 + "\r\n") * 150  # ~150 KB
    r = c.data(simple_message(body=body))
    assert (r.code, r.enhanced) == (552, "5.3.4"), r
    # the session continues and a small message still goes through
    assert c.cmd("NOOP").code == 250
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    tok = token()
    assert c.data(simple_message(tok)).code == 250
    c.quit()
    msgs = srv.pop3_messages("bob")
    assert len(msgs) == 1 and tok.encode() in msgs[0]


@pytest.mark.parametrize("content", [
    b"Subject: bare lf\r\n\r\nline1\nline2\r\n",
    b"Subject: bare cr\r\n\r\nline1\rline2\r\n",
    b"Subject: bare lf in header\nX: y\r\n\r\nbody\r\n",
], ids=["bare-lf", "bare-cr", "bare-lf-header"])
def test_bare_line_endings_rejected_by_default(srv, content):
    tok = token()
    content = content.replace(b"Subject: ", f"Subject: {tok} ".encode())
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<carol@example.test>").code == 250
    assert c.cmd("DATA").code == 354
    c.send(content + b".\r\n")
    r = c.reply()
    assert (r.code, r.enhanced) == (554, "5.6.0"), r
    assert c.cmd("NOOP").code == 250
    c.quit()
    assert messages_with(srv, "carol", tok) == []


def test_bare_line_endings_normalized(make_server):
    srv = make_server(overrides={"smtp.bare_line_endings": "normalize"})
    tok = token()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.cmd("DATA").code == 354
    c.send(f"Subject: {tok}\r\n\r\nline1\nline2\rline3\r\n".encode() + b".\r\n")
    r = c.reply()
    assert r.code == 250, r
    c.quit()
    (m,) = srv.pop3_messages("bob")
    _, _, _, body = split_trace(m)
    assert body == f"Subject: {tok}\r\n\r\nline1\r\nline2\r\nline3\r\n".encode()


def test_8bit_body(srv):
    tok = token()
    content = (f"Subject: {tok}\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln – ✓\r\n").encode()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test> BODY=8BITMIME").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.data(content).code == 250
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    assert split_trace(m)[3] == content


# ---- errors -----------------------------------------------------------------------

def test_too_many_errors_421(srv):
    c = srv.smtp()
    c.send(b"".join(b"BOGUS%d\r\n" % i for i in range(30)))
    data = c.reader.read_all_until_close()
    replies = parse_replies(data)
    assert replies, data
    assert replies[-1].code == 421, replies
    errors = [r for r in replies[:-1] if r.code >= 500]
    assert len(errors) <= 10, f"more than max_errors (10) errors answered before 421: {replies}"
    assert len(errors) >= 9, replies
    c.close()


def test_max_errors_configurable(make_server):
    srv = make_server(overrides={"smtp.max_errors": 3})
    c = srv.smtp()
    c.send(b"BOGUS\r\n" * 10)
    replies = parse_replies(c.reader.read_all_until_close())
    assert replies[-1].code == 421, replies
    assert len(replies) <= 4, replies
    c.close()


# ---- BDAT / CHUNKING ----------------------------------------------------------------

def test_bdat_chunks_with_dot_crlf_inside(srv):
    tok = token()
    parts = [f"Subject: bdat {tok}\r\nMessage-ID: <{tok}@c>\r\n\r\nfirst\r\n.\r\n".encode(),
             b".leading dot, not stuffed\r\n\r\n.\r\nQUIT\r\n",
             b"last chunk\r\n"]
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    c.send(b"BDAT %d\r\n" % len(parts[0]) + parts[0])
    r = c.reply()
    assert r.code == 250, r
    c.send(b"BDAT %d\r\n" % len(parts[1]) + parts[1])
    r = c.reply()
    assert r.code == 250, r
    c.send(b"BDAT %d LAST\r\n" % len(parts[2]) + parts[2])
    r = c.reply()
    assert r.code == 250, r
    assert c.cmd("NOOP").code == 250  # nothing of the chunks was taken as a command
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    assert split_trace(m)[3] == b"".join(parts)


def test_bdat_pipelined_and_zero_last(srv):
    tok = token()
    body = f"Subject: {tok}\r\n\r\nhello\r\n".encode()
    c = srv.smtp()
    c.send(b"MAIL FROM:<x@sender.test>\r\nRCPT TO:<bob@example.test>\r\n"
           + b"BDAT %d\r\n" % len(body) + body + b"BDAT 0 LAST\r\n")
    rs = c.replies(4)
    assert [r.code for r in rs] == [250, 250, 250, 250], rs
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    assert split_trace(m)[3] == body


@pytest.mark.parametrize("chunks", [[b"Subject: x\r\n\r\nbare\nlf\r\n"], [b"Subject: x\r\n\r\nbare\r", b"cr\r\n"],
                                    [b"Subject: x\r\n\r\nends in cr\r"]], ids=["lf", "cr-split", "final-cr"])
def test_bdat_bare_line_endings_rejected(srv, chunks):
    tok = token()
    chunks[0] = chunks[0].replace(b"Subject: x", f"Subject: {tok}".encode())
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<carol@example.test>").code == 250
    for i, ch in enumerate(chunks):
        last = b" LAST" if i == len(chunks) - 1 else b""
        c.send(b"BDAT %d%s\r\n" % (len(ch), last) + ch)
        r = c.reply()
        if last:
            assert (r.code, r.enhanced) == (554, "5.6.0"), r
        else:
            assert r.code == 250, r
    assert c.cmd("NOOP").code == 250
    c.quit()
    assert messages_with(srv, "carol", tok) == []


def test_bdat_without_transaction_consumes_chunk(srv):
    c = srv.smtp()
    c.send(b"BDAT 6\r\nNOOP\r\n")  # the 6 bytes are chunk data, not a command
    r = c.reply()
    assert r.code == 503, r
    r = c.cmd("NOOP")
    assert r.code == 250
    c.quit()


# ---- SMTPUTF8 -----------------------------------------------------------------------

def test_utf8_sender_needs_smtputf8(srv):
    c = srv.smtp()
    r = c.cmd("MAIL FROM:<müller@sender.test>")
    assert (r.code, r.enhanced) == (553, "5.6.7"), r
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    r = c.cmd(f"RCPT TO:<{UTF8_ALIAS}>")
    assert (r.code, r.enhanced) == (553, "5.6.7"), r
    c.quit()


def test_utf8_alias_recipient_with_smtputf8(srv):
    tok = token()
    content = f"From: <x@sender.test>\r\nTo: <{UTF8_ALIAS}>\r\nSubject: {tok}\r\n\r\nhallo\r\n".encode()
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test> SMTPUTF8").code == 250
    r = c.cmd(f"RCPT TO:<{UTF8_ALIAS}>")
    assert r.code == 250, r
    assert c.data(content).code == 250
    c.quit()
    (m,) = messages_with(srv, "carol", tok)
    rp, dt, _, body = split_trace(m)
    assert dt == UTF8_ALIAS
    assert body == content


def test_utf8_sender_with_smtputf8(srv):
    tok = token()
    sender = "müller@bücher.test"
    content = f"From: <{sender}>\r\nSubject: {tok}\r\n\r\nhallo\r\n".encode()
    c = srv.smtp()
    r = c.cmd(f"MAIL FROM:<{sender}> SMTPUTF8")
    assert r.code == 250, r
    assert c.cmd("RCPT TO:<carol@example.test>").code == 250
    assert c.data(content).code == 250
    c.quit()
    (m,) = messages_with(srv, "carol", tok)
    rp, _, _, body = split_trace(m)
    assert rp == sender
    assert body == content


def test_unknown_utf8_recipient_550(srv):
    c = srv.smtp()
    assert c.cmd("MAIL FROM:<x@sender.test> SMTPUTF8").code == 250
    r = c.cmd("RCPT TO:<jörg@example.test>")
    assert (r.code, r.enhanced) == (550, "5.1.1"), r
    c.quit()


# ---- pipelining ----------------------------------------------------------------------

def test_pipelining_replies_in_order(srv):
    tok = token()
    c = srv.smtp()
    c.send("MAIL FROM:<x@sender.test>\r\nRCPT TO:<bob@example.test>\r\n"
           "RCPT TO:<nobody@example.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n")
    rs = c.replies(5)
    assert [r.code for r in rs] == [250, 250, 550, 250, 354], rs
    c.send(simple_message(tok) + b".\r\n")
    assert c.reply().code == 250
    # a second transaction, also pipelined, including RSET and NOOP
    c.send("RSET\r\nMAIL FROM:<y@sender.test>\r\nRCPT TO:<someone@remote.test>\r\nNOOP\r\n")
    rs = c.replies(4)
    assert [r.code for r in rs] == [250, 250, 554, 250], rs
    c.quit()
    assert len(messages_with(srv, "bob", tok)) == 1
    assert len(messages_with(srv, "carol", tok)) == 1


def test_pipelining_many_commands(srv):
    c = srv.smtp()
    c.send(b"".join(b"NOOP\r\nRSET\r\n" for _ in range(300)))
    rs = c.replies(600)
    assert all(r.code == 250 for r in rs)
    assert c.cmd("QUIT").code == 221
    c.close()


def test_pipelined_data_without_valid_recipients(srv):
    c = srv.smtp()
    c.send("MAIL FROM:<x@sender.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n")
    rs = c.replies(3)
    assert rs[0].code == 250 and rs[1].code == 550, rs
    assert rs[2].code in (503, 554), rs  # RFC 2920 §3.1: DATA rejected, no 354
    assert c.cmd("NOOP").code == 250
    c.quit()


def test_pipelined_whole_transaction_and_quit(srv):
    tok = token()
    content = simple_message(tok)
    c = srv.smtp()
    c.send(b"MAIL FROM:<x@sender.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
    rs = c.replies(3)
    assert [r.code for r in rs] == [250, 250, 354], rs
    c.send(content + b".\r\nQUIT\r\n")
    rs = c.replies(2)
    assert [r.code for r in rs] == [250, 221], rs
    c.close()
    assert len(messages_with(srv, "bob", tok)) == 1


# ---- STARTTLS ------------------------------------------------------------------------

def test_starttls_then_mail(srv):
    tok = token()
    c = srv.smtp()
    c.starttls()
    r = c.cmd("MAIL FROM:<x@sender.test>")
    assert r.code == 503, f"MAIL right after TLS without new EHLO: {r}"
    c.ehlo()
    assert c.cmd("MAIL FROM:<x@sender.test>").code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    assert c.data(simple_message(tok)).code == 250
    c.quit()
    (m,) = messages_with(srv, "bob", tok)
    assert b"ESMTPS" in split_trace(m)[2]  # RFC 3848: the Received header records TLS


@pytest.mark.parametrize("port", ["smtp", "submission"])
@pytest.mark.parametrize("injected", [b"NOOP\r\n", b"MAIL FROM:<a@b.test>\r\n",
                                      b"EHLO evil.test\r\nMAIL FROM:<a@b.test>\r\n"])
def test_starttls_injection_discarded(srv, injected, port):
    sock = socket.create_connection((HOST, srv.ports[port]), timeout=IO_TIMEOUT)
    rd = LineReader(sock)
    assert rd.readline().startswith(b"220")
    sock.sendall(b"EHLO client.test\r\n")
    while not rd.readline().startswith(b"250 "):
        pass
    sock.sendall(b"STARTTLS\r\n" + injected)  # one packet
    line = rd.readline()
    assert line.startswith(b"220"), line
    assert rd.buf == b"", f"plaintext bytes after 220: {rd.buf!r}"
    tls = srv.wrap(sock)
    rd = LineReader(tls)
    # the first reply after the handshake must answer our own post-TLS command
    tls.sendall(b"RCPT TO:<bob@example.test>\r\n")
    line = rd.readline()
    assert line.startswith(b"503"), f"first reply after TLS {line!r}: injected command was executed?"
    tls.sendall(b"MAIL FROM:<x@sender.test>\r\n")
    line = rd.readline()
    assert line.startswith(b"503"), f"MAIL after TLS without EHLO: {line!r}"
    tls.sendall(b"EHLO client.test\r\n")
    lines = [rd.readline()]
    while not lines[-1].startswith(b"250 "):
        assert lines[-1].startswith(b"250-"), lines
        lines.append(rd.readline())
    assert b"Hello client.test" in lines[0] or b"client.test" in lines[0], lines
    tls.sendall(b"QUIT\r\n")
    assert rd.readline().startswith(b"221")
    tls.close()


def test_starttls_with_argument_or_twice(srv):
    c = srv.smtp()
    r = c.cmd("STARTTLS now")
    assert r.code == 501, r
    c.starttls()
    c.ehlo()
    r = c.cmd("STARTTLS")
    assert 500 <= r.code < 600 and r.code != 220, r
    c.quit()
