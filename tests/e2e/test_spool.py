"""Messages being received are spooled to storage, not held in memory (DESIGN §2:
small per-connection buffers): many concurrent DATA and BDAT uploads in progress
grow the server's memory far less than the bytes in flight, and each message still
arrives intact once its upload finishes."""

import hashlib

from conftest import RawSMTP, split_trace

UPLOADS = 8
PER_UPLOAD = 6 * 1024 * 1024          # 48 MiB in flight in total
RSS_LIMIT_KB = 24 * 1024              # far below the 48 MiB a memory buffer would need


def body_for(i):
    line = (f"upload {i} " + "x" * 64 + "\r\n").encode()
    head = f"Subject: spool {i}\r\nMessage-ID: <spool{i}@test>\r\n\r\n".encode()
    return head + line * (PER_UPLOAD // len(line))


def test_uploads_in_flight_hold_little_memory(server):
    rss_before = server.rss_kb()
    conns = []
    bodies = [body_for(i) for i in range(UPLOADS)]
    for i, body in enumerate(bodies):
        c = RawSMTP(server, "smtp")
        c.ehlo()
        assert c.cmd("MAIL FROM:<up@sender.test>").code == 250
        assert c.cmd("RCPT TO:<alice@example.test>").code == 250
        if i % 2 == 0:
            assert c.cmd("DATA").code == 354
            c.send(body)  # no terminator yet: the upload is in progress
        else:
            c.send(f"BDAT {len(body)} LAST\r\n".encode())
            c.send(body[:-10])  # all but the last bytes of the chunk
        conns.append(c)
    # A round trip on a fresh connection makes sure the server has read what it can.
    probe = RawSMTP(server, "smtp")
    probe.ehlo()
    assert probe.cmd("NOOP").code == 250
    probe.quit()
    rss_during = server.rss_kb()
    print(f"RSS before {rss_before} KiB, with uploads in flight {rss_during} KiB")
    assert rss_during - rss_before < RSS_LIMIT_KB, (rss_before, rss_during)

    for i, (c, body) in enumerate(zip(conns, bodies)):
        if i % 2 == 0:
            c.send(b".\r\n")
        else:
            c.send(body[-10:])
        r = c.reply()
        assert r.code == 250, r
        c.quit()

    got = server.pop3_messages("alice")
    assert len(got) == UPLOADS
    want = {hashlib.sha256(b).hexdigest() for b in bodies}
    have = {hashlib.sha256(split_trace(m)[3]).hexdigest() for m in got}
    assert have == want
