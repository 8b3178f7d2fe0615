#!/usr/bin/env python3
"""Small load generator for a running postamt (loopback only, bounded).

Sends THREADS x COUNT messages of SIZE bytes to the MX port with smtplib and
reports messages per second; then opens IDLE plain SMTP connections and reports
the server's resident memory per idle connection (VmRSS of PID).

Usage: bench/smtp_load.py PORT RCPT PID [THREADS COUNT SIZE IDLE]
The comparison with Postfix and Dovecot in the same run is issue 5's work.
"""
import smtplib
import socket
import sys
import threading
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    port, rcpt, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    threads, count, size, idle = (int(x) for x in (sys.argv[4:8] + ["8", "100", "4096", "1000"][len(sys.argv[4:8]):]))
    body = ("Subject: load\r\n\r\n" + ("x" * 76 + "\r\n") * (size // 78)).encode()
    errors = []

    def worker():
        try:
            s = smtplib.SMTP("127.0.0.1", port)
            for _ in range(count):
                s.sendmail("load@remote.test", [rcpt], body)
            s.quit()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    n = threads * count
    print(f"{n} messages of ~{size} B with {threads} clients in {dt:.2f}s: {n / dt:.0f} msg/s, errors={len(errors)}")

    before = rss_kib(pid)
    socks = []
    for _ in range(idle):
        c = socket.create_connection(("127.0.0.1", port))
        c.recv(512)
        c.sendall(b"EHLO idle.test\r\n")
        socks.append(c)
    time.sleep(1)
    for c in socks:
        c.recv(4096)
    after = rss_kib(pid)
    print(f"{idle} idle SMTP sessions: RSS {before} -> {after} KiB, {(after - before) * 1024 / idle:.0f} B per session")
    for c in socks:
        c.close()


if __name__ == "__main__":
    main()
