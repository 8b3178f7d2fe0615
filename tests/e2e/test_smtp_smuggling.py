"""SMTP smuggling (DESIGN §6): only <CR><LF>.<CR><LF> ends DATA. For each of the
12 known almost-terminators, a second message hidden after it must never be
accepted; the first message is rejected as a whole (bare_line_endings =
"reject", the default) or stored as one message containing the smuggled text
("normalize"). Both modes run the whole matrix."""

import re
import socket
import time

import pytest

from conftest import HOST, LineReader, module_server, parse_replies, split_trace, token

SEQUENCES = [b"\n.\n", b"\n.\r", b"\r.\n", b"\r.\r", b"\n.\r\n", b"\r.\r\n", b"\r\n.\n", b"\r\n.\r",
             b"\r\n\x00.\r\n", b"\r\n.\x00\r\n", b"\r\n.\r\r\n", b"\r\r\n.\r\r\n"]

SMUGGLED = (b"MAIL FROM:<evil@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
            b"Subject: smuggled\r\n\r\nbad\r\n.\r\n")


def has_bare_line_ending(b):
    return re.search(rb"(?<!\r)\n|\r(?!\n)", b) is not None


@pytest.fixture(scope="module", params=["reject", "normalize"])
def smug(request, tmp_path_factory):
    s = module_server(tmp_path_factory, f"smuggling-{request.param}",
                      overrides={"smtp.bare_line_endings": request.param})
    s.mode = request.param
    yield s
    # never a second message, over the whole matrix
    assert s.pop3_count("bob") == 0, "a smuggled message reached bob"
    s.finish()


def seq_id(seq):
    return seq.decode("latin-1").replace("\r", "CR").replace("\n", "LF").replace("\x00", "NUL")


@pytest.mark.parametrize("seq", SEQUENCES, ids=[seq_id(s) for s in SEQUENCES])
def test_smuggling_sequence(smug, seq):
    tok = token()
    sock = socket.create_connection((HOST, smug.ports["smtp"]), timeout=30)
    rd = LineReader(sock)
    assert rd.readline().startswith(b"220")
    sock.sendall(b"EHLO client.test\r\n")
    while not rd.readline().startswith(b"250 "):
        pass
    for cmd in (b"MAIL FROM:<sender@sender.test>\r\n", b"RCPT TO:<alice@example.test>\r\n"):
        sock.sendall(cmd)
        line = rd.readline()
        assert line.startswith(b"250"), line
    sock.sendall(b"DATA\r\n")
    line = rd.readline()
    assert line.startswith(b"354"), line
    first = f"Subject: x {tok}\r\n\r\nhello".encode()
    sock.sendall(first + seq + SMUGGLED)  # one write
    sock.sendall(b"QUIT\r\n")
    replies = parse_replies(rd.read_all_until_close())
    sock.close()

    codes = [r.code for r in replies]
    assert codes[-1:] == [221], f"expected the session to end with 221 after QUIT: {replies}"
    # exactly one reply to the whole content: never a 250 for a second message
    assert len(replies) == 2, f"smuggled commands were executed: {replies}"
    verdict = replies[0]

    mine = [m for m in smug.pop3_messages("alice") if tok.encode() in m]
    assert smug.pop3_count("bob") == 0, "smuggled message delivered to bob"

    if smug.mode == "reject" and has_bare_line_ending(seq):
        assert (verdict.code, verdict.enhanced) == (554, "5.6.0"), verdict
        assert mine == []
    elif verdict.code == 250:
        assert len(mine) == 1, mine
        _, _, _, body = split_trace(mine[0])
        assert body.startswith(first)
        assert b"MAIL FROM:<evil@example.test>" in body and b"Subject: smuggled" in body, body
        assert not has_bare_line_ending(body), f"stored message has bare CR/LF: {body!r}"
    else:
        # only the NUL variants (no bare CR/LF) may be refused in normalize mode
        assert b"\x00" in seq and 500 <= verdict.code < 600, verdict
        assert mine == []

    if smug.mode == "normalize" and b"\x00" not in seq:
        assert verdict.code == 250, f"normalize mode should accept the message as one: {verdict}"


@pytest.mark.parametrize("seq", SEQUENCES, ids=[seq_id(s) for s in SEQUENCES])
def test_smuggling_sequence_split_across_packets(smug, seq):
    """The same, with the sequence dribbled in one byte per packet: a scanner that
    decides at packet boundaries must not see a terminator either."""
    tok = token()
    sock = socket.create_connection((HOST, smug.ports["smtp"]), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rd = LineReader(sock)
    assert rd.readline().startswith(b"220")
    sock.sendall(b"EHLO client.test\r\nMAIL FROM:<sender@sender.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
    lines = []
    while not lines or not lines[-1].startswith(b"354"):
        lines.append(rd.readline())
        assert not lines[-1].startswith((b"4", b"5")), lines
    first = f"Subject: x {tok}\r\n\r\nhello".encode()
    sock.sendall(first)
    for b in seq + SMUGGLED[:8]:
        time.sleep(0.005)
        sock.sendall(bytes([b]))
    time.sleep(0.005)
    sock.sendall(SMUGGLED[8:] + b"QUIT\r\n")
    replies = parse_replies(rd.read_all_until_close())
    sock.close()
    assert len(replies) == 2 and replies[-1].code == 221, f"smuggled commands were executed: {replies}"
    assert smug.pop3_count("bob") == 0, "smuggled message delivered to bob"
    mine = [m for m in smug.pop3_messages("alice") if tok.encode() in m]
    if replies[0].code == 250:
        assert len(mine) == 1
        assert b"Subject: smuggled" in split_trace(mine[0])[3]
    else:
        assert mine == []
        if smug.mode == "reject" and has_bare_line_ending(seq):
            assert (replies[0].code, replies[0].enhanced) == (554, "5.6.0"), replies
    if smug.mode == "normalize" and b"\x00" not in seq:
        assert replies[0].code == 250, replies
