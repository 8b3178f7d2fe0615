"""Throwaway Dovecot IMAP server for differential tests (DESIGN §9).

Starts Debian's `/usr/sbin/dovecot -F -c <tmp>/dovecot.conf` with a config that
lives entirely in a temp directory: passwd-file auth with plaintext passwords,
maildir under the temp dir, IMAP only on 127.0.0.1 at a free port, no TLS,
logs to files, base_dir/state_dir in the temp dir, no chroots.

Dovecot runs as an unprivileged user. When the test runs as a normal user, that
user is used for everything (default_internal_user = default_login_user = the
current user, mail uid/gid = the current uid/gid). When the test runs as root,
the dovecot process is started with the uid/gid of the Debian `dovecot` system
user (falling back to `nobody`) and the temp dir is chowned to it, so the
configuration is the same non-root one in both cases and nothing runs as root.

Never touches /etc/dovecot, the system service or standard ports.
"""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT_BIN = os.environ.get("DOVECOT_BIN", "/usr/sbin/dovecot")
HOST = "127.0.0.1"


def dovecot_available():
    """(True, "") or (False, reason)."""
    if not os.access(DOVECOT_BIN, os.X_OK):
        return False, (f"{DOVECOT_BIN} not found: install dovecot-imapd "
                       "(scripts/setup.sh does, without starting the system service)")
    if not os.path.exists("/usr/lib/dovecot/imap"):
        return False, "dovecot-imapd is not installed (/usr/lib/dovecot/imap missing)"
    return True, ""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _run_identity():
    """(user name, uid, gid, group name) Dovecot runs as."""
    if os.geteuid() != 0:
        pw = pwd.getpwuid(os.getuid())
        return pw.pw_name, pw.pw_uid, os.getgid(), grp.getgrgid(os.getgid()).gr_name
    for name in ("dovecot", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_name, pw.pw_uid, pw.pw_gid, grp.getgrgid(pw.pw_gid).gr_name
    raise RuntimeError("running as root and neither user 'dovecot' nor 'nobody' exists")


CONFIG = """\
# Throwaway config written by tests/e2e/dovecot.py; nothing from /etc/dovecot.
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.info.log
debug_log_path = {root}/dovecot.debug.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = 0
mail_location = maildir:{root}/mail/%n
mail_fsync = never
mail_max_userip_connections = 100
mail_plugins =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%n
}}
service imap-login {{
  chroot =
  user = {user}
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  chroot =
}}
service submission-login {{
  chroot =
}}
service anvil {{
  chroot =
}}
service imap {{
  user =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  user = {user}
}}
service dict {{
  user = {user}
}}
service log {{
  user =
}}
service config {{
  user =
}}
"""


class Dovecot:
    """A running throwaway Dovecot. Use as a context manager or call stop()."""

    def __init__(self, root=None, users=None):
        ok, why = dovecot_available()
        if not ok:
            raise RuntimeError(why)
        self._own_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="postamt-dovecot-"))
        self.port = free_port()
        self.users = dict(users or {"alice": "alice-pw"})
        self.user, self.uid, self.gid, self.group = _run_identity()
        self.proc = None

    # ---- config -------------------------------------------------------------------
    def write_config(self):
        for d in ("run", "state", "mail", "home"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.root / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items()))
        self.conf = self.root / "dovecot.conf"
        self.conf.write_text(CONFIG.format(host=HOST, root=self.root, user=self.user, group=self.group,
                                           uid=self.uid, gid=self.gid, port=self.port))
        if os.geteuid() == 0:
            for dirpath, dirnames, filenames in os.walk(self.root):
                for n in [dirpath] + [os.path.join(dirpath, f) for f in dirnames + filenames]:
                    os.chown(n, self.uid, self.gid)
            os.chmod(self.root, 0o755)

    def _popen_kwargs(self):
        kw = {}
        if os.geteuid() == 0:
            kw.update(user=self.uid, group=self.gid, extra_groups=[])
        return kw

    # ---- process ------------------------------------------------------------------
    def start(self, timeout=20):
        self.write_config()
        check = subprocess.run([DOVECOT_BIN, "-c", str(self.conf), "-n"], capture_output=True, text=True,
                               **self._popen_kwargs())
        if check.returncode != 0:
            raise RuntimeError(f"dovecot rejects the config:\n{check.stderr}")
        self.stderr_path = self.root / "dovecot.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([DOVECOT_BIN, "-F", "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                     stdout=self._stderr, stderr=self._stderr, start_new_session=True,
                                     **self._popen_kwargs())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as s:
                    s.settimeout(2)
                    if s.recv(200).startswith(b"* OK"):
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start listening on {self.port}\n{self.log_tail()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to the master only: it stops its children
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        if self._own_root and os.environ.get("POSTAMT_KEEP_DOVECOT") != "1":
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, n=40):
        out = []
        for name in ("dovecot.stderr", "dovecot.log", "dovecot.info.log"):
            p = self.root / name
            if p.exists():
                lines = p.read_text(errors="replace").splitlines()[-n:]
                out.append(f"---- {name} ----\n" + "\n".join(lines))
        return "\n".join(out)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- clients ------------------------------------------------------------------
    def imap(self, user="alice"):
        import imaplib
        c = imaplib.IMAP4(HOST, self.port, timeout=30)
        c.login(user, self.users[user])
        return c


if __name__ == "__main__":  # manual check: python3 tests/e2e/dovecot.py
    with Dovecot() as d:
        c = d.imap()
        print(c.capability())
        c.logout()
        print("ok, port", d.port)
