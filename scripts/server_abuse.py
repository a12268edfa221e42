#!/usr/bin/env python3
"""Socket-level abuse of `unspin serve` on loopback, with the server's memory measured.

Starts the release binary, then: thousands of idle connections (beyond --max-connections),
slow-loris senders dripping header lines, a body far over --max-body, and a slow body. After
each it checks that a normal request is still answered, and reads the server's resident memory
(VmRSS) and peak (VmHWM) from /proc. Then the mixed attack: clients sending the worst HTML
bodies, clients holding batches they never read, clients asking for large answers they never
read — while /healthz and a small /v1/analyze are timed. Prints Markdown tables for
docs/RELIABILITY.md.

    cargo build --release -p unspin-cli
    python3 scripts/server_abuse.py [--idle 3000] [--loris 500] [--attack-seconds 40]
"""
import argparse
import json
import resource
import select
import socket
import statistics
import subprocess
import sys
import threading
import time

EXAMPLE = open("examples/harbor-bridge.txt", encoding="utf-8").read()


def post(path, ctype, body):
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    return head + body


def worst_html():
    """2 MiB of one element with as many attributes as fit, after a paragraph of prose."""
    prose = b"<html><body><p>Reports are coming in that the council hid the damage.</p><div "
    names, n = [], 0
    while n < (2 << 20) - 1000:
        a = f"a{len(names)} ".encode()
        names.append(a)
        n += len(a)
    return prose + b"".join(names) + b">x</div></body></html>"


def timed(port, request, wait=15):
    """Seconds until the status line of `request`, and the status code (0: none)."""
    t0 = time.time()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
            s.sendall(request)
            got = s.recv(64)
            code = int(got.split(b" ")[1]) if got.startswith(b"HTTP/1.1") else 0
    except OSError:
        code = 0
    return time.time() - t0, code


def start(args):
    """Starts `unspin serve` with `args` on the port and waits until it answers."""
    srv = subprocess.Popen([BIN, "serve", *args], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            if healthy(int(args[1].rsplit(":", 1)[1])):
                break
        except OSError:
            time.sleep(0.1)
    return srv


def mixed_attack(port, pid, seconds, n_html, n_batch, n_unread):
    stop = threading.Event()
    html = post("/v1/analyze", "text/html", worst_html())
    batch = post("/v1/batch", "application/x-ndjson",
                 "".join('{"id": "%d", "text": %s}\n' % (i, json.dumps(EXAMPLE))
                         for i in range(400)).encode())
    big = post("/v1/analyze", "text/plain", (EXAMPLE * 200)[: (2 << 20) - 1000].encode())
    held = []
    lock = threading.Lock()
    codes = {"html": [], "unread": []}

    def html_sender():
        while not stop.is_set():
            _, code = timed(port, html, wait=30)
            with lock:
                codes["html"].append(code)

    def holder(req, kind):
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                s.sendall(req)
                with lock:
                    held.append(s)
                    codes[kind].append(1)
            except OSError:
                time.sleep(0.2)
                continue
            # Never read; open another once the server has cut this one.
            p = select.poll()
            p.register(s, select.POLLRDHUP | select.POLLHUP | select.POLLERR)
            while not stop.is_set() and not p.poll(500):
                pass

    threads = [threading.Thread(target=html_sender, daemon=True) for _ in range(n_html)]
    threads += [threading.Thread(target=holder, args=(batch, "unread"), daemon=True)
                for _ in range(n_batch)]
    threads += [threading.Thread(target=holder, args=(big, "unread"), daemon=True)
                for _ in range(n_unread)]
    for t in threads:
        t.start()
    small = post("/v1/analyze", "text/plain", b"The council said the bridge was safe. Critics disagree.")
    health = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    lat_h, lat_a, codes_a = [], [], []
    t0 = time.time()
    peak = 0
    while time.time() - t0 < seconds:
        lat_h.append(timed(port, health)[0])
        dt, code = timed(port, small)
        lat_a.append(dt)
        codes_a.append(code)
        peak = max(peak, mem(pid)[1])
        time.sleep(0.25)
    stop.set()
    for s in held:
        try:
            s.close()
        except OSError:
            pass
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]
    return {
        "seconds": seconds,
        "healthz": (statistics.median(lat_h), q(lat_h, 0.95), max(lat_h)),
        "analyze": (statistics.median(lat_a), q(lat_a, 0.95), max(lat_a)),
        "analyze_codes": {c: codes_a.count(c) for c in sorted(set(codes_a))},
        "html_codes": {c: codes["html"].count(c) for c in sorted(set(codes["html"]))},
        "peak_mib": peak,
    }

BIN = "target/release/unspin"


def mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) // 1024
    return out["VmRSS"], out["VmHWM"]


def healthy(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return s.recv(100).startswith(b"HTTP/1.1 200")


def closed(s, wait):
    """True when the server closed `s` within `wait` seconds."""
    s.settimeout(wait)
    try:
        while True:
            if not s.recv(4096):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=int, default=3000)
    ap.add_argument("--loris", type=int, default=500)
    ap.add_argument("--max-connections", type=int, default=1024)
    ap.add_argument("--header-timeout", type=int, default=10)
    ap.add_argument("--port", type=int, default=18931)
    ap.add_argument("--attack-seconds", type=int, default=40)
    ap.add_argument("--html-clients", type=int, default=8)
    ap.add_argument("--batch-holders", type=int, default=8)
    ap.add_argument("--unread-clients", type=int, default=8)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    srv = start(["--addr", f"127.0.0.1:{a.port}", "--max-connections", str(a.max_connections),
                 "--header-timeout", str(a.header_timeout), "--timeout", "3"])
    rows = []
    try:
        rows.append(("at rest", "-", *mem(srv.pid), healthy(a.port)))

        # Idle connections: the ones over the cap are closed at once, the rest at the deadline.
        conns = []
        for _ in range(a.idle):
            conns.append(socket.create_connection(("127.0.0.1", a.port)))
        opened = time.time()
        time.sleep(0.5)
        rss = mem(srv.pid)
        # The server never writes to an idle connection, so readable means closed.
        poller = select.poll()
        for s in conns:
            poller.register(s, select.POLLIN)
        at_once = len(poller.poll(0))
        done = set()
        while len(done) < len(conns) and time.time() - opened < a.header_timeout + 5:
            for fd, _ in poller.poll(100):
                done.add(fd)
                poller.unregister(fd)
        later, waited = len(done), time.time() - opened
        for s in conns:
            s.close()
        rows.append((f"{a.idle} idle connections (cap {a.max_connections})",
                     f"{at_once} closed on accept; all {later} closed {waited:.1f} s after the last "
                     f"was opened (header deadline {a.header_timeout} s)",
                     *rss, healthy(a.port)))

        # Slow loris: a header line every 0.5 s from each sender.
        loris = [socket.create_connection(("127.0.0.1", a.port)) for _ in range(a.loris)]
        for s in loris:
            s.sendall(b"POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            s.setblocking(False)
        t0 = time.time()
        alive = len(loris)
        peak = (0, 0)
        i = 0
        while alive and time.time() - t0 < a.header_timeout * 4:
            alive = 0
            for s in loris:
                try:
                    s.send(f"X-{i}: y\r\n".encode())
                    alive += 1
                except OSError:
                    pass
            i += 1
            peak = max(peak, mem(srv.pid))
            time.sleep(0.5)
        gone = time.time() - t0
        for s in loris:
            s.close()
        rows.append((f"{a.loris} slow-loris senders (a header line / 0.5 s)",
                     f"all cut after {gone:.1f} s" if not alive else f"{alive} still open after {gone:.0f} s",
                     *peak, healthy(a.port)))

        # A body far over --max-body (2 MiB): 413 before it is all read.
        with socket.create_connection(("127.0.0.1", a.port)) as s:
            s.sendall(b"POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 104857600\r\n\r\n")
            sent = 0
            try:
                s.settimeout(5)
                while sent < 100 << 20:
                    s.sendall(b"x" * (1 << 20))
                    sent += 1 << 20
            except OSError:
                pass
            s.settimeout(5)
            try:
                status = s.recv(64).split(b"\r\n")[0].decode()
            except OSError:
                status = "reset"
        rows.append(("100 MB body declared, sent as fast as possible",
                     f"{status} after {sent >> 20} MiB sent", *mem(srv.pid), healthy(a.port)))

        # A slow body: 10 bytes/s.
        with socket.create_connection(("127.0.0.1", a.port)) as s:
            s.sendall(b"POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 100000\r\n\r\n")
            s.settimeout(0.1)
            t0 = time.time()
            status = ""
            while time.time() - t0 < 15 and not status:
                try:
                    s.sendall(b"x" * 10)
                    got = s.recv(64)
                    status = got.split(b"\r\n")[0].decode() if got else "closed"
                except socket.timeout:
                    pass
                except OSError:
                    status = "reset"
                time.sleep(0.1)
        rows.append(("slow body (100 bytes/s, 100 kB declared)",
                     f"{status or 'none'} after {time.time() - t0:.1f} s", *mem(srv.pid),
                     healthy(a.port)))
    finally:
        srv.terminate()
        srv.wait()
    print("| abuse | what the server did | RSS MiB | peak MiB | /healthz after |")
    print("|---|---|---|---|---|")
    for what, did, rss, hwm, ok in rows:
        print(f"| {what} | {did} | {rss} | {hwm} | {'200' if ok else 'FAILED'} |")

    # The mixed attack, on a fresh server (its peak is this attack's alone).
    srv = start(["--addr", f"127.0.0.1:{a.port}"])
    try:
        m = mixed_attack(a.port, srv.pid, a.attack_seconds, a.html_clients, a.batch_holders,
                         a.unread_clients)
        alive = healthy(a.port)
    finally:
        srv.terminate()
        srv.wait()
    fmt = lambda t: " / ".join(f"{x * 1000:.0f}" for x in t)
    print()
    print(f"Mixed attack for {m['seconds']} s: {a.html_clients} clients sending 2 MiB "
          f"single-element HTML bodies in a loop, {a.batch_holders} holding 400-record batches "
          f"unread, {a.unread_clients} holding 2 MiB-text answers unread (default limits).")
    print()
    print("| measured | median / p95 / max (ms) or count |")
    print("|---|---|")
    print(f"| /healthz latency | {fmt(m['healthz'])} |")
    print(f"| small /v1/analyze latency | {fmt(m['analyze'])} |")
    print(f"| small /v1/analyze statuses | {m['analyze_codes']} |")
    print(f"| HTML attackers' statuses | {m['html_codes']} |")
    print(f"| server peak RSS (VmHWM) | {m['peak_mib']} MiB |")
    print(f"| /healthz after | {'200' if alive else 'FAILED'} |")
    ok = m["analyze"][2] < 1.0 or all(c in (200, 503) for c in m["analyze_codes"])
    return 0 if all(r[-1] for r in rows) and alive and ok and m["peak_mib"] < 512 else 1


if __name__ == "__main__":
    sys.exit(main())
