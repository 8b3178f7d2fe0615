"""Machinery of the IMAP differential test (test_imap_diff.py): an imaplib-based peer
that APPENDs messages and answers FETCH/SEARCH, a peer backed by the renderer tool
(imap_render_dump, built from tests/unit/imap_render; no server), and an IMAP response
parser (quoted strings and literals become the same Python bytes: RFC 9051 §4.3 makes
them equivalent). What counts as equal is decided in test_imap_diff.py.
"""

import base64
import imaplib
import json
import os
import re
import subprocess
import tempfile
import time

NIL = None


class Err:
    """A failed FETCH/SEARCH: kind is NO, BAD or BYE; code the response code or ''."""

    def __init__(self, kind, text):
        self.kind = kind
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.text = text
        m = re.match(r"\s*\[([A-Z0-9-]+)", text or "")
        self.code = m.group(1) if m else ""

    def __eq__(self, other):
        return isinstance(other, Err) and (self.kind, self.code) == (other.kind, other.code)

    def __hash__(self):
        return hash((self.kind, self.code))

    def __repr__(self):
        return f"Err({self.kind} [{self.code}] {self.text[:60]!r})"


# ---- IMAP response parsing ---------------------------------------------------------------

class Parser:
    """Parses IMAP data (RFC 9051 §4): atoms, NIL, quoted, literal, literal8, lists."""

    def __init__(self, data):
        self.d = data
        self.i = 0

    def peek(self):
        return self.d[self.i:self.i + 1]

    def skip_sp(self):
        while self.peek() in (b" ",):
            self.i += 1

    def value(self):
        self.skip_sp()
        c = self.peek()
        if c == b"(":
            self.i += 1
            out = []
            while True:
                self.skip_sp()
                if self.peek() == b")":
                    self.i += 1
                    return out
                if self.peek() == b"":
                    raise ValueError("unterminated list")
                out.append(self.value())
        if c == b'"':
            self.i += 1
            out = bytearray()
            while True:
                ch = self.d[self.i:self.i + 1]
                if ch == b"":
                    raise ValueError("unterminated quoted string")
                self.i += 1
                if ch == b"\\":
                    out += self.d[self.i:self.i + 1]
                    self.i += 1
                elif ch == b'"':
                    return bytes(out)
                else:
                    out += ch
        if c in (b"{", b"~"):
            m = re.compile(rb"~?\{(\d+)\+?\}\r\n").match(self.d, self.i)
            if not m:
                raise ValueError(f"bad literal at {self.d[self.i:self.i + 20]!r}")
            n = int(m.group(1))
            self.i = m.end() + n
            return self.d[m.end():m.end() + n]
        m = re.compile(rb"[^ ()\r\n\[\]]+").match(self.d, self.i)
        if not m:
            raise ValueError(f"unexpected {self.d[self.i:self.i + 20]!r}")
        self.i = m.end()
        atom = m.group(0)
        return NIL if atom.upper() == b"NIL" else atom

    def key(self):
        """FETCH item name incl. section and origin: BODY[HEADER.FIELDS (A B)]<0>."""
        self.skip_sp()
        m = re.compile(rb"[A-Za-z0-9.]+").match(self.d, self.i)
        if not m:
            raise ValueError(f"bad key at {self.d[self.i:self.i + 20]!r}")
        self.i = m.end()
        k = m.group(0)
        if self.peek() == b"[":
            j = self.d.index(b"]", self.i)
            k += self.d[self.i:j + 1]
            self.i = j + 1
            if self.peek() == b"<":
                j = self.d.index(b">", self.i)
                k += self.d[self.i:j + 1]
                self.i = j + 1
        return norm_key(k.decode("latin-1"))


def norm_key(k):
    k = re.sub(r"\s+", " ", k.upper().replace(".PEEK", ""))
    k = re.sub(r"<(\d+)\.\d+>$", r"<\1>", k)
    return k.replace("( ", "(").replace(" )", ")")


def raw_from_imaplib(data):
    """imaplib's FETCH data list -> the raw response bytes (lines CRLF-terminated)."""
    out = b""
    for x in data:
        if isinstance(x, tuple):
            out += x[0] + b"\r\n" + x[1]
        elif x is not None:
            out += x + b"\r\n"
    return out


def parse_fetch(raw):
    """'N (K V K V ...)' lines -> {uid: {key: value}} (items of all responses merged)."""
    res = {}
    p = Parser(raw)
    while p.i < len(p.d):
        while p.peek() in (b"\r", b"\n", b" "):
            p.i += 1
        if p.i >= len(p.d):
            break
        m = re.compile(rb"(\d+) (?:FETCH )?\(").match(p.d, p.i)
        if not m:  # not a FETCH response: skip the line
            j = p.d.find(b"\r\n", p.i)
            p.i = len(p.d) if j < 0 else j + 2
            continue
        p.i = m.end()
        items = {}
        while True:
            p.skip_sp()
            if p.peek() == b")":
                p.i += 1
                break
            k = p.key()
            items[k] = p.value()
        uid = items.get("UID")
        uid = int(uid) if uid is not None else -int(m.group(1))
        res.setdefault(uid, {}).update(items)
    return res


# ---- peers ------------------------------------------------------------------------------------

class ImapPeer:
    """A server reached with imaplib (Dovecot or postamt)."""

    def __init__(self, name, connect):
        self.name = name
        self.connect = connect  # () -> logged-in imaplib.IMAP4
        self.c = None
        self.uids = []

    def _conn(self):
        if self.c is None:
            self.c = self.connect()
            typ, data = self.c.select("INBOX")
            assert typ == "OK", (self.name, data)
        return self.c

    def _reset(self):
        try:
            if self.c is not None:
                self.c.shutdown()
        except Exception:
            pass
        self.c = None

    def append_all(self, messages):
        """APPENDs in order; self.uids[i] = UID of message i (None if refused)."""
        c = self._conn()
        date = imaplib.Time2Internaldate(time.mktime((2021, 3, 4, 5, 6, 7, 0, 0, -1)))
        for _, data in messages:
            try:
                typ, resp = c.append("INBOX", None, date, data)
            except imaplib.IMAP4.abort:
                self._reset()
                c = self._conn()
                typ, resp = "BYE", [b""]
            uid = None
            if typ == "OK":
                m = re.search(rb"APPENDUID \d+ (\d+)", resp[0] or b"")
                uid = int(m.group(1)) if m else -1  # filled below
            self.uids.append(uid)
        if any(u == -1 for u in self.uids):  # no UIDPLUS: UIDs in APPEND order
            typ, data = c.uid("SEARCH", None, "ALL")
            all_uids = sorted(int(x) for x in data[0].split())
            it = iter(all_uids)
            self.uids = [next(it) if u is not None else None for u in self.uids]
        return self.uids

    def fetch(self, uid, items):
        """{normalized key: value} or Err for the whole command."""
        c = self._conn()
        try:
            typ, data = c.uid("FETCH", str(uid), "(" + " ".join(items) + ")")
        except imaplib.IMAP4.abort as e:  # BYE: the next call reconnects
            self._reset()
            return Err("BYE", str(e))
        except imaplib.IMAP4.error as e:
            return Err("BAD", str(e))
        if typ != "OK":
            return Err(typ, data[-1] if data else b"")
        return parse_fetch(raw_from_imaplib(data)).get(uid, {})

    def search(self, charset, criteria, literal=None):
        """Set of UIDs, or Err."""
        c = self._conn()
        try:
            if literal is not None:
                c.literal = literal
            typ, data = c.uid("SEARCH", *([f"CHARSET {charset}"] if charset else []), *criteria)
        except imaplib.IMAP4.abort as e:
            self._reset()
            return Err("BYE", str(e))
        except imaplib.IMAP4.error as e:
            return Err("BAD", str(e))
        finally:
            c.literal = None
        if typ != "OK":
            return Err(typ, data[-1] if data else b"")
        return {int(x) for x in (data[0] or b"").split()}

    def close(self):
        if self.c is not None:
            try:
                self.c.logout()
            except Exception:
                pass
            self.c = None


class RenderPeer:
    """src/imap/render through the imap_render_dump tool: answers FETCH items for the
    message bytes as postamt's IMAP session will (no SEARCH)."""

    name = "render"

    def __init__(self, tool):
        self.tool = tool
        self.dir = tempfile.mkdtemp(prefix="imap-render-diff-")
        self.proc = subprocess.Popen([tool], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.files = []
        self.uids = []

    def append_all(self, messages):
        for i, (_, data) in enumerate(messages):
            path = os.path.join(self.dir, f"{i}.eml")
            with open(path, "wb") as f:
                f.write(data)
            self.files.append(path)
            self.uids.append(i + 1)
        return self.uids

    def fetch(self, uid, items):
        req = {"file": self.files[uid - 1], "items": [i.replace(".PEEK", "") for i in items]}
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()
        resp = json.loads(self.proc.stdout.readline())
        out = {}
        for item, r in resp.items():
            if not isinstance(r, dict):
                return Err("NO", str(r))
            if "error" in r:
                return Err("NO", f"[{r['error']}] rendered error")
            data = base64.b64decode(r["data"])
            key = norm_key(item)
            if key in ("ENVELOPE", "BODYSTRUCTURE", "BODY"):
                out[key] = Parser(data).value()
            elif key == "RFC822.SIZE" or key.startswith("BINARY.SIZE"):
                out[key] = data
            else:
                out[key] = data
        return out

    def search(self, charset, criteria, literal=None):
        return None

    def close(self):
        import shutil
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
