"""Full loop: a MIME message with a 300 KB binary attachment sent over SMTP (MX,
plain), submission with STARTTLS (587) and implicit TLS (465), downloaded with
POP3 over TLS; bytes and the parsed attachment must match exactly."""

import email
import email.policy
import hashlib
import os
from email.message import EmailMessage

import pytest

from conftest import module_server, split_trace, token


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = module_server(tmp_path_factory, "loop")
    yield s
    s.finish()


def build_message(sender, to, tok):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = f"Loop test {tok} – Anhang mit Umlauten äöü"
    m["Message-ID"] = f"<{tok}@client.test>"
    m.set_content(f"Hallo,\n\nanbei die Datei. Token {tok}.\n.\n..\nEnde\n")
    m.add_alternative(f"<html><body><p>Token {tok}</p><p>.</p></body></html>\n", subtype="html")
    attachment = os.urandom(300 * 1024)
    m.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="daten.bin")
    m.add_attachment("Zeile 1\nZeile 2 ü\n".encode("utf-8"), maintype="text", subtype="plain",
                     filename="notiz.txt")
    return m, attachment


def check_download(srv, user, tok, sent_bytes, attachment, sender, delete=True):
    msgs = [m for m in srv.pop3_messages(user, delete=delete) if tok.encode() in m]
    assert len(msgs) == 1, f"expected exactly one message with {tok}, got {len(msgs)}"
    rp, dt, _, body = split_trace(msgs[0])
    assert rp == sender
    assert dt == f"{user}@example.test"
    assert body == sent_bytes, "downloaded message differs from what was sent"
    parsed = email.message_from_bytes(msgs[0], policy=email.policy.default)
    assert tok in parsed["Subject"]
    atts = {p.get_filename(): p.get_payload(decode=True) for p in parsed.iter_attachments()}
    assert set(atts) == {"daten.bin", "notiz.txt"}, atts.keys()
    assert hashlib.sha256(atts["daten.bin"]).hexdigest() == hashlib.sha256(attachment).hexdigest()
    assert atts["notiz.txt"] == "Zeile 1\nZeile 2 ü\n".encode("utf-8")
    assert tok in parsed.get_body(("plain",)).get_content()


def test_loop_mx_plain(srv):
    tok = token()
    msg, att = build_message("Sender <sender@sender.test>", "Bob <bob@example.test>", tok)
    raw = msg.as_bytes(policy=email.policy.SMTP)
    c = srv.smtp("smtp")
    assert c.cmd("MAIL FROM:<sender@sender.test> SIZE=%d" % len(raw)).code == 250
    assert c.cmd("RCPT TO:<bob@example.test>").code == 250
    r = c.data(raw)
    assert r.code == 250, r
    c.quit()
    check_download(srv, "bob", tok, raw, att, "sender@sender.test")


def test_loop_mx_smtplib_send_message(srv):
    import smtplib
    tok = token()
    msg, att = build_message("sender@sender.test", "bob@example.test", tok)
    # serializing first fixes the MIME boundaries, so send_message produces the same bytes
    raw = msg.as_bytes(policy=email.policy.SMTP)
    with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30) as s:
        s.ehlo("client.test")
        s.send_message(msg, from_addr="sender@sender.test", to_addrs=["bob@example.test"])
    check_download(srv, "bob", tok, raw, att, "sender@sender.test")


@pytest.mark.parametrize("port", ["submission", "submissions"])
def test_loop_submission_tls(srv, port):
    tok = token()
    msg, att = build_message("Alice <alice@example.test>", "Bob <bob@example.test>", tok)
    raw = msg.as_bytes(policy=email.policy.SMTP)
    s = srv.smtplib(port, login="alice")
    refused = s.sendmail("alice@example.test", ["bob@example.test"], raw)
    assert refused == {}
    s.quit()
    check_download(srv, "bob", tok, raw, att, "alice@example.test")


def test_loop_bdat(srv):
    tok = token()
    msg, att = build_message("sender@sender.test", "alice@example.test", tok)
    raw = msg.as_bytes(policy=email.policy.SMTP)
    c = srv.smtp("smtp")
    assert c.cmd("MAIL FROM:<sender@sender.test> BODY=8BITMIME").code == 250
    assert c.cmd("RCPT TO:<alice@example.test>").code == 250
    chunks = [raw[i:i + 65536] for i in range(0, len(raw), 65536)]
    for i, ch in enumerate(chunks):
        last = " LAST" if i == len(chunks) - 1 else ""
        c.send(b"BDAT %d%s\r\n" % (len(ch), last.encode()) + ch)
        r = c.reply()
        assert r.code == 250, (i, r)
    c.quit()
    check_download(srv, "alice", tok, raw, att, "sender@sender.test")


def test_big_message_round_trip(srv):
    tok = token()
    m = EmailMessage()
    m["From"] = "alice@example.test"
    m["To"] = "bob@example.test"
    m["Subject"] = f"big {tok}"
    m.set_content("big attachment follows\n")
    data = os.urandom(12 * 1024 * 1024)
    m.add_attachment(data, maintype="application", subtype="octet-stream", filename="big.bin")
    raw = m.as_bytes(policy=email.policy.SMTP)
    s = srv.smtplib("submissions", login="alice")
    s.sendmail("alice@example.test", ["bob@example.test"], raw)
    s.quit()
    msgs = [x for x in srv.pop3_messages("bob", delete=True) if tok.encode() in x[:4096]]
    assert len(msgs) == 1
    assert split_trace(msgs[0])[3] == raw
    parsed = email.message_from_bytes(msgs[0], policy=email.policy.default)
    (att,) = list(parsed.iter_attachments())
    assert att.get_payload(decode=True) == data
