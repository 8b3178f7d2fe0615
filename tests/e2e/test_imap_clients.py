"""Real IMAP clients from Debian against `postamt serve` (DESIGN §9, issue 3):

- mbsync (isync) syncs both ways between a local Maildir and the server over IMAPS:
  initial pull of SMTP-delivered mail, new mail on each side, flag changes on each
  side, deletions on each side (Expunge Both), a new local folder created on the
  server (Create Both), and a second run that changes nothing.
- neomutt in batch mode (driven through a pseudo-terminal) connects over IMAPS,
  lists the folders, opens INBOX and pipes a message to a file, whose content is
  compared with what was delivered.

Both binaries come from scripts/setup.sh (isync, neomutt); a test skips only when
its binary is missing.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import TLS_NAME, simple_message, token

CLIENT_TIMEOUT = 30  # seconds for one run of a client


# ---- helpers -----------------------------------------------------------------------------

def _need(binary):
    exe = shutil.which(binary)
    if not exe:
        pytest.skip(f"{binary} is not installed (scripts/setup.sh installs it: apt-get install "
                    f"{'isync' if binary == 'mbsync' else binary})")
    return exe


def server_state(srv, user):
    """{mailbox: {subject: set(flags)}} of every selectable mailbox, via imaplib, and
    {mailbox: [UIDs]}. A subject seen twice in one mailbox (a duplicated upload) fails."""
    c = srv.imap(user)
    try:
        typ, data = c.list()
        assert typ == "OK", data
        out, uids = {}, {}
        for line in data:
            m = re.match(rb'\(([^)]*)\) (?:"[^"]*"|NIL) (.*)$', line)
            assert m, line
            if b"\\noselect" in m.group(1).lower() or b"\\nonexistent" in m.group(1).lower():
                continue
            name = m.group(2).decode()
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            typ, d = c.select(f'"{name}"', readonly=True)
            assert typ == "OK", (name, d)
            msgs, uids[name] = {}, []
            if int(d[0]) > 0:
                typ, d = c.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])")
                assert typ == "OK", d
                for item in d:
                    if not isinstance(item, tuple):
                        continue
                    flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
                    flags.discard("\\Recent")
                    subj = item[1].decode().split(":", 1)[1].strip()
                    assert subj not in msgs, f"{subj!r} twice in {name} on the server"
                    msgs[subj] = flags
                    uids[name].append(int(re.search(rb"UID (\d+)", item[0]).group(1)))
            out[name] = msgs
            c.unselect()
        return out, uids
    finally:
        c.logout()


def maildir_state(folder):
    """{subject: maildir flag letters} of a local Maildir folder (cur/ and new/)."""
    out = {}
    for sub in ("cur", "new"):
        d = Path(folder) / sub
        if not d.is_dir():
            continue
        for f in d.iterdir():
            m = re.search(rb"(?im)^Subject:[ \t]*(.*?)\r?$", f.read_bytes())
            subj = m.group(1).decode() if m else ""
            assert subj not in out, f"{subj!r} twice in {folder}"
            out[subj] = f.name.split(":2,", 1)[1] if ":2," in f.name else ""
    return out


def maildir_file(folder, subject):
    for sub in ("cur", "new"):
        for f in (Path(folder) / sub).iterdir():
            if f"Subject: {subject}\r\n".encode() in f.read_bytes() or f"Subject: {subject}\n".encode() in f.read_bytes():
                return f
    raise AssertionError(f"no file with Subject {subject!r} in {folder}")


def new_maildir_message(folder, subject, body):
    """Drops a message into folder/new the way a local MUA/MDA would (tmp/ then rename)."""
    for sub in ("cur", "new", "tmp"):
        (Path(folder) / sub).mkdir(parents=True, exist_ok=True)
    name = f"{int(time.time())}.{os.getpid()}_{token()}.localhost"
    tmp = Path(folder) / "tmp" / name
    tmp.write_bytes(simple_message(subject=subject, body=body + "\r\n", to="alice@example.test"))
    tmp.rename(Path(folder) / "new" / name)


# ---- mbsync ------------------------------------------------------------------------------

MBSYNCRC = """\
IMAPAccount postamt
Host {host}
Port {port}
User {user}
Pass "{password}"
SSLType IMAPS
CertificateFile {cafile}
AuthMechs LOGIN
Timeout 20

IMAPStore remote
Account postamt

MaildirStore local
Path {root}/mail/
Inbox {root}/inbox
SubFolders Verbatim

Channel both
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
Remove None
SyncState *
Sync All
"""


class Mbsync:
    def __init__(self, srv, root, user):
        self.exe = _need("mbsync")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "mail").mkdir(exist_ok=True)
        self.inbox = self.root / "inbox"
        self.conf = self.root / "mbsyncrc"
        self.conf.write_text(MBSYNCRC.format(host=TLS_NAME, port=srv.ports["imaps"], user=srv.addr(user),
                                             password=srv.pw(user), cafile=srv.cafile, root=self.root))

    def folder(self, name):
        return self.inbox if name == "INBOX" else self.root / "mail" / name

    def run(self):
        p = subprocess.run([self.exe, "-c", str(self.conf), "-V", "-a"], capture_output=True, text=True,
                           timeout=CLIENT_TIMEOUT, stdin=subprocess.DEVNULL, env={**os.environ, "HOME": str(self.root)})
        assert p.returncode == 0, f"mbsync exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        return p.stdout + p.stderr

    def snapshot(self):
        """Every local file name (flags included) and its content."""
        out = {}
        for base in (self.inbox, self.root / "mail"):
            for f in sorted(base.rglob("*")):
                if f.is_file() and f.name != ".mbsyncstate.lock":
                    out[str(f.relative_to(self.root))] = f.read_bytes()
        return out


def test_mbsync_two_way(make_server, tmp_path):
    exe = _need("mbsync")
    srv = make_server(users=("alice",))
    started = time.monotonic()
    mb = Mbsync(srv, tmp_path / "mbsync", "alice")

    # 1. initial pull of mail delivered over SMTP
    tok = token()
    subj = {k: f"{k} {tok}" for k in ("smtp1", "smtp2", "smtp3", "local1", "remote1", "work1")}
    for k in ("smtp1", "smtp2", "smtp3"):
        r = srv.deliver("alice", simple_message(subject=subj[k], body=f"body of {k} {tok}\r\n",
                                                to="alice@example.test"))
        assert r.code == 250, r
    mb.run()
    local = maildir_state(mb.inbox)
    assert set(local) == {subj["smtp1"], subj["smtp2"], subj["smtp3"]}, local
    pulled = maildir_file(mb.inbox, subj["smtp2"]).read_bytes()
    assert f"body of smtp2 {tok}".encode() in pulled
    assert pulled.startswith(b"Return-Path: <sender@sender.test>"), pulled[:200]

    # 2. new mail on each side: a local message is pushed, a server message pulled
    new_maildir_message(mb.inbox, subj["local1"], f"written locally {tok}")
    c = srv.imap("alice")
    typ, _ = c.append("INBOX", r"(\Seen)", None,
                      simple_message(subject=subj["remote1"], body=f"appended {tok}\r\n", to="alice@example.test"))
    assert typ == "OK"
    c.logout()
    mb.run()
    state, _ = server_state(srv, "alice")
    assert set(state["INBOX"]) == {subj[k] for k in ("smtp1", "smtp2", "smtp3", "local1", "remote1")}, state
    local = maildir_state(mb.inbox)
    assert set(local) == set(state["INBOX"]), local
    assert local[subj["remote1"]] == "S", local  # \Seen came along with the new message
    c = srv.imap("alice")
    c.select("INBOX", readonly=True)
    typ, d = c.uid("SEARCH", None, "SUBJECT", f'"{subj["local1"]}"')
    (uid,) = d[0].split()
    typ, d = c.uid("FETCH", uid, "(BODY.PEEK[TEXT])")
    assert d[0][1] == f"written locally {tok}\r\n".encode(), d
    c.logout()

    # 3. flags: set locally (Maildir rename adds S and F), set on the server (\Flagged)
    f = maildir_file(mb.inbox, subj["smtp1"])
    base = f.name.split(":2,", 1)[0]
    f.rename(f.parent.parent / "cur" / (base + ":2,FS"))
    c = srv.imap("alice")
    c.select("INBOX")
    typ, d = c.uid("SEARCH", None, "SUBJECT", f'"{subj["smtp2"]}"')
    typ, _ = c.uid("STORE", d[0].split()[0], "+FLAGS", r"(\Flagged)")
    assert typ == "OK"
    c.logout()
    mb.run()
    state, _ = server_state(srv, "alice")
    assert state["INBOX"][subj["smtp1"]] == {"\\Seen", "\\Flagged"}, state
    assert state["INBOX"][subj["smtp2"]] == {"\\Flagged"}, state
    local = maildir_state(mb.inbox)
    assert local[subj["smtp1"]] == "FS" and local[subj["smtp2"]] == "F", local

    # 4. deletions: a local file removed; a server message \Deleted and expunged
    maildir_file(mb.inbox, subj["smtp3"]).unlink()
    c = srv.imap("alice")
    c.select("INBOX")
    typ, d = c.uid("SEARCH", None, "SUBJECT", f'"{subj["remote1"]}"')
    c.uid("STORE", d[0].split()[0], "+FLAGS", r"(\Deleted)")
    assert c.expunge()[0] == "OK"
    c.logout()
    mb.run()
    state, _ = server_state(srv, "alice")
    want = {subj[k] for k in ("smtp1", "smtp2", "local1")}
    assert set(state["INBOX"]) == want, state
    assert set(maildir_state(mb.inbox)) == want

    # 5. a new local folder (with a message) is created on the server
    new_maildir_message(mb.folder("Work"), subj["work1"], f"work {tok}")
    mb.run()
    state, _ = server_state(srv, "alice")
    assert "Work" in state, state
    assert set(state["Work"]) == {subj["work1"]}, state
    # the server's own folders (special-use ones every account gets) were created locally
    for name in state:
        if name != "INBOX":
            assert mb.folder(name).is_dir(), (name, sorted(p.name for p in (mb.root / "mail").iterdir()))

    # 6. stable state: another run changes nothing on either side
    before_local, before_server = mb.snapshot(), server_state(srv, "alice")
    mb.run()
    after_local = mb.snapshot()
    changed = {k for k in set(before_local) | set(after_local)
               if before_local.get(k) != after_local.get(k) and not k.endswith(".mbsyncstate")}
    assert not changed, f"second run changed local files: {sorted(changed)}"
    assert server_state(srv, "alice") == before_server
    assert time.monotonic() - started < 30


# ---- neomutt -----------------------------------------------------------------------------

MUTTRC = """\
set folder="imaps://{user_url}@{host}:{port}/"
set spoolfile="+INBOX"
set imap_user="{user}"
set imap_pass="{password}"
set imap_authenticators="login"
set ssl_force_tls=yes
set ssl_starttls=no
set ssl_ca_certificates_file="{cafile}"
set certificate_file="{root}/certificates"
set header_cache=""
set message_cachedir=""
set mbox_type=Maildir
set wait_key=no
set confirmappend=no
set quit=yes
set beep=no
set mail_check=0
set timeout=5
set imap_check_subscribed=no
set sort=date-sent
set pipe_decode=no
set pipe_split=no
set record=""
set postponed=""
set tmpdir="{root}/tmp"
set debug_level=0
"""


class PtyClient:
    """A full-screen program on a pseudo-terminal (80x24), driven like `expect`: wait for
    text on the screen, then type keys. Everything it drew is kept in self.screen."""

    ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|[\x0e\x0f\x07]")

    def __init__(self, argv, env, cwd, timeout):
        import fcntl
        import pty
        import struct
        import termios
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.raw = bytearray()
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.name = os.path.basename(argv[0])

    @property
    def screen(self):
        return self.ESCAPES.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    def _read(self, wait):
        r, _, _ = select.select([self.master], [], [], wait)
        if not r:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the program closed the terminal
            chunk = b""
        self.raw += chunk
        return bool(chunk)

    def _fail(self, what):
        self.kill()
        raise AssertionError(f"{self.name}: {what} (limit {self.timeout}s); screen so far:\n{self.screen[-3000:]}")

    def expect(self, pattern, since=0):
        """Waits until `pattern` (regex) appears in the screen text after position `since`;
        returns the end position of the match."""
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.screen, since)
            if m:
                return m.end()
            left = self.deadline - time.monotonic()
            if left <= 0:
                self._fail(f"{pattern!r} never appeared")
            if not self._read(min(left, 0.2)) and self.proc.poll() is not None:
                self._fail(f"exited ({self.proc.returncode}) before {pattern!r} appeared")

    def wait_for(self, cond, what):
        while not cond():
            left = self.deadline - time.monotonic()
            if left <= 0:
                self._fail(what)
            self._read(min(left, 0.1))

    def send(self, keys):
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def wait_exit(self):
        while self.proc.poll() is None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self._fail("did not exit")
            self._read(min(left, 0.1))
        self._close()
        return self.proc.wait()

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close()

    def _close(self):
        if self.master is not None:
            os.close(self.master)
            self.master = None


def _file_ready(path):
    return lambda: path.exists() and path.stat().st_size > 0 and path.read_bytes().endswith(b"\n")


def test_neomutt_reads_over_imaps(make_server, tmp_path):
    exe = _need("neomutt")
    srv = make_server(users=("alice",))
    started = time.monotonic()
    tok = token()
    body = f"Hello from the neomutt test {tok}\r\nSecond line.\r\n"
    assert srv.deliver("alice", simple_message(subject=f"inbox {tok}", body=body, to="alice@example.test")).code == 250
    c = srv.imap("alice")
    assert c.create("Projects")[0] == "OK"
    assert c.append("Projects", None, None, simple_message(subject=f"projects {tok}", body=f"in projects {tok}\r\n",
                                                           to="alice@example.test"))[0] == "OK"
    c.logout()

    root = tmp_path / "neomutt"
    (root / "tmp").mkdir(parents=True)
    user = srv.addr("alice")
    (root / "muttrc").write_text(MUTTRC.format(user=user, user_url=user.replace("@", "%40"), host=TLS_NAME,
                                               port=srv.ports["imaps"], password=srv.pw("alice"),
                                               cafile=srv.cafile, root=root))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root), "TERM": "vt100",
           "LANG": "C.UTF-8", "TMPDIR": str(root / "tmp")}
    nm = PtyClient([exe, "-n", "-F", str(root / "muttrc")], env, root, CLIENT_TIMEOUT)
    try:
        # $spoolfile is imaps://.../INBOX: the index lists the delivered message
        pos = nm.expect(rf"inbox {tok}")
        assert f"imaps://{user}@{TLS_NAME}:{srv.ports['imaps']}/INBOX" in nm.screen.replace("%40", "@")
        # pipe the (raw) message into a file: its content was fetched over IMAPS
        out = root / "inbox.eml"
        nm.send("|")
        pos = nm.expect(r"(?i)pipe to", pos)
        nm.send(f"cat > {out}\r")
        nm.wait_for(_file_ready(out), "the piped message never arrived")
        # the folder browser lists the server's folders (LIST)
        nm.send("c")
        pos = nm.expect(r"(?i)open mailbox", pos)
        nm.send("?")
        pos = nm.expect(r"(Mailboxes|Directory) \[", pos)
        if nm.screen[:pos].endswith("Mailboxes ["):  # the $mailboxes view: switch to the server's folders
            nm.send("\t")
        mark = pos
        pos = nm.expect(r"Directory \[imaps://", mark)
        listed = nm.screen[mark:pos]
        nm.send("q")  # leave the browser
        time.sleep(0.3)
        # open another folder by name, pipe its message
        nm.send("c")
        pos = nm.expect(r"(?i)open mailbox", pos)
        nm.send("\x15=Projects\r")  # ^U clears the prompt's default
        pos = nm.expect(rf"projects {tok}", pos)
        out2 = root / "projects.eml"
        nm.send("|")
        pos = nm.expect(r"(?i)pipe to", pos)
        nm.send(f"cat > {out2}\r")
        nm.wait_for(_file_ready(out2), "the second piped message never arrived")
        nm.send("q")
        rc = nm.wait_exit()
    except BaseException:
        nm.kill()
        raise
    assert rc == 0, f"neomutt exit {rc}; screen:\n{nm.screen[-3000:]}"
    piped = out.read_bytes().replace(b"\r\n", b"\n")
    assert body.replace("\r\n", "\n").encode() in piped, piped
    assert f"Subject: inbox {tok}".encode() in piped
    assert piped.startswith(b"Return-Path: <sender@sender.test>"), piped[:200]
    for name in ("INBOX", "Sent", "Drafts", "Trash", "Projects"):
        assert name in listed, (name, listed)
    assert f"in projects {tok}".encode() in out2.read_bytes()
    assert time.monotonic() - started < 30
