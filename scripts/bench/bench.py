#!/usr/bin/env python3
"""`make bench`: a load benchmark of Patchbay against this machine's ceilings.

Not a test: nothing here fails a build. Every target is a ratio to a ceiling
measured in the same run on the same machine (see docs/performance.md).

The release binary must exist (scripts/bench/run.sh builds it). This script
starts the service on SQLite and then on a fresh Postgres database, drives
load with wrk (and pgbench for the database ceilings) from separate
processes on loopback, and writes target/bench/latest.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import datetime as dt
import glob
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "target" / "bench"
TMP = OUT / "tmp"
LUA = HERE / "report.lua"
DELIVER_LUA = HERE / "deliver.lua"
MOCK = HERE / "mock.py"
APPRISE_PEER = HERE / "apprise_peer.py"
# The peer the delivery rows are compared with, from PyPI into its own venv.
APPRISE_VERSION = "1.9.9"
APPRISE_VENV = OUT / "apprise-venv"
# The delivery rows' webhooks sign with this; the sink checks every signature.
SIGNING_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
T0 = time.monotonic()
WARNINGS: list[str] = []

# Request bodies of the integrations the bench creates through the API, in
# rotation: every one has secrets, as real integrations do.
SAMPLE_CONFIGS = [
    ("discord", {"webhookUrl": "https://discord.com/api/webhooks/123456789012345678/bench_Token-abcdefghijklmnopqrstuvwxyz", "username": "bench"}),
    ("webhook", {"url": "https://example.com/hooks/bench", "method": "POST"}),
    ("resend", {"apiKey": "re_bench_0123456789abcdefghij", "from": "Bench <bench@example.com>"}),
    ("ai-gateway", {"apiKey": "vck_bench_0123456789abcdefghijklmnop", "defaultModel": "openai/gpt-4o-mini"}),
    ("telegram", {"botToken": "123456789:AAbench_0123456789abcdefghijklmnopq", "chatId": -1001234567890}),
]

CREATE_BODY = json.dumps(
    {
        "name": "bench create {n}",
        "type": "discord",
        "config": {
            "webhookUrl": "https://discord.com/api/webhooks/123456789012345678/bench_Token-abcdefghijklmnopqrstuvwxyz",
            "username": "bench",
        },
    }
)
SEND_BODY = json.dumps(
    {"subject": "bench", "text": "bench message {n}", "data": {"n": "{n}", "source": "make bench"}}
)

# Rows bulk-inserted for list-pg: shapes the API would store (non-secret
# config only, so secrets/key_id are NULL).
BULK_SHAPES = [
    ("discord", '{"username":"bench"}'),
    ("telegram", '{"chatId":-1001234567890}'),
    ("web3", '{"chainId":1}'),
    ("slack", '{"channel":"#bench"}'),
    ("sendgrid", '{"fromEmail":"bench@example.com"}'),
]


def log(msg: str) -> None:
    print(f"[bench {time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, key: str | None = None, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return resp.status, parsed
    finally:
        conn.close()


def proc_status(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


class RssWatch:
    """Peak RSS of a process over one row: the kernel's high-water mark reset
    through clear_refs when allowed, else sampling VmRSS every 50 ms. Also
    samples the thread count (blocking-pool threads show up there)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.sampled = 0
        self.threads = 0
        self.stop_ev = threading.Event()
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
            self.reset = True
        except OSError:
            self.reset = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_ev.is_set():
            st = proc_status(self.pid)
            self.sampled = max(self.sampled, st.get("VmRSS", 0))
            self.threads = max(self.threads, st.get("Threads", 0))
            self.stop_ev.wait(0.05)

    def peak_kib(self) -> int:
        self.stop_ev.set()
        self.thread.join()
        st = proc_status(self.pid)
        hwm = st.get("VmHWM", 0) if self.reset else 0
        return max(hwm, self.sampled, st.get("VmRSS", 0))


class Server:
    def __init__(self, args, name: str, db_url: str, keys: str, workdir: Path,
                 extra_env: dict | None = None, log_name: str = "server.log"):
        self.args = args
        self.log_name = log_name
        self.name = name
        self.port = free_port()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("PATCHBAY__") and k != "RUST_LOG"
        }
        self.env.update(
            {
                "PATCHBAY__DATABASE__URL": db_url,
                "PATCHBAY__HTTP__PORT": str(self.port),
                "PATCHBAY__SECRETS__KEYS": keys,
                "PATCHBAY__LOG__LEVEL": "warn",
                "PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8",
            }
        )
        # Builds with delivery re-test active integrations on a schedule;
        # off here, so no background tests run during the rows. (Unknown
        # settings are refused, so only where the build has it.)
        if supports_setting(args.binary, b"retest_interval_secs"):
            self.env["PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS"] = "0"
        self.env.update(extra_env or {})
        self.proc = None

    def cli(self, *argv: str) -> str:
        r = subprocess.run(
            [str(self.args.binary), *argv], env=self.env, cwd=self.workdir,
            capture_output=True, text=True, timeout=120,
        )
        out = r.stdout.strip()
        if r.returncode != 0:
            # `keys create` has been seen to crash on exit (SIGSEGV) after
            # creating and printing the key: note it and go on with the key.
            if argv[:2] == ("keys", "create") and out.startswith("pbk_") and r.returncode < 0:
                msg = f"patchbay {' '.join(argv)} died of signal {-r.returncode} after printing the key"
                log(f"warning: {msg}")
                WARNINGS.append(msg)
                return out
            raise RuntimeError(f"patchbay {' '.join(argv)} exited with {r.returncode}: "
                               + " | ".join(r.stderr.strip().splitlines()[-3:]))
        return out

    def start(self) -> None:
        logf = open(self.workdir / self.log_name, "w")
        self.proc = subprocess.Popen(
            [str(self.args.binary), "serve"], env=self.env, cwd=self.workdir,
            stdout=logf, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} server exited: {(self.workdir / self.log_name).read_text()[-2000:]}"
                )
            try:
                if request(self.port, "GET", "/readyz", timeout=2)[0] == 200:
                    log(f"{self.name} server up on port {self.port} (pid {self.proc.pid})")
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} server not ready within 60 s")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_kib(self) -> int:
        return proc_status(self.pid).get("VmRSS", 0)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def supports_setting(binary: Path, name: bytes) -> bool:
    with open(binary, "rb") as f:
        return name in f.read()


def run_wrk(args, port: int, paths: list[str], *, key=None, method="GET", body=None,
            connections=None, threads=None, duration=None, label="wrk") -> dict:
    connections = connections or args.concurrency
    threads = min(threads or args.threads, connections)
    duration = duration or args.duration
    pf = TMP / f"paths-{label}.txt"
    pf.write_text("\n".join(paths) + "\n")
    env = dict(os.environ)
    env.update({"BENCH_METHOD": method, "BENCH_PATHS_FILE": str(pf)})
    for k in ("BENCH_AUTH", "BENCH_BODY"):
        env.pop(k, None)
    if key:
        env["BENCH_AUTH"] = key
    if body:
        env["BENCH_BODY"] = body
    cmd = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
        "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}{paths[0]}",
    ]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    line = next((l for l in r.stdout.splitlines() if l.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {r.stdout}\n{r.stderr}")
    d = json.loads(line[len("BENCH_RESULT "):])
    secs = d["duration_us"] / 1e6
    errors = sum(d[k] for k in ("err_connect", "err_read", "err_write", "err_timeout", "err_status"))
    return {
        "requests": d["requests"],
        "rps": d["requests"] / secs if secs else 0.0,
        "p50_ms": d["p50_us"] / 1000,
        "p99_ms": d["p99_us"] / 1000,
        "max_ms": d["max_us"] / 1000,
        "errors": errors,
        "error_detail": {k: d[k] for k in d if k.startswith("err_") and d[k]},
        "connections": connections,
        "duration_s": round(secs, 2),
    }


class HttpRow:
    """A wrk row against the server, measured with the server's peak RSS."""

    def __init__(self, args, server: Server, row: str, paths, **kw):
        self.args, self.server, self.row, self.paths, self.kw = args, server, row, paths, kw

    def warmup(self) -> None:
        if self.args.warmup > 0:
            run_wrk(self.args, self.server.port, self.paths, duration=self.args.warmup,
                    label=self.row + "-warmup", **self.kw)

    def measure(self, duration: int) -> dict:
        watch = RssWatch(self.server.pid)
        res = run_wrk(self.args, self.server.port, self.paths, duration=duration, label=self.row, **self.kw)
        res["rss_peak_kib"] = watch.peak_kib()
        res["threads_peak"] = watch.threads
        return res


class PgbenchRow:
    def __init__(self, pg, row: str, extra: list[str]):
        self.pg, self.row, self.extra = pg, row, extra

    def warmup(self) -> None:
        if self.pg.args.warmup > 0:
            self.pg.pgbench(self.row, self.extra, self.pg.args.warmup, keep_log=False)

    def measure(self, duration: int) -> dict:
        return self.pg.pgbench(self.row, self.extra, duration)


def combine(row: str, rounds: list[dict]) -> dict:
    """Rounds of one row: rates over the summed time, errors summed, the
    median round's p50/p99 (a noisy neighbour's burst spoils one round, not
    the row), peaks as maxima."""
    med = lambda k: statistics.median(r[k] for r in rounds if r.get(k) is not None)
    secs = sum(r["duration_s"] for r in rounds)
    res = {
        "requests": sum(r["requests"] for r in rounds),
        "rps": sum(r["rps"] * r["duration_s"] for r in rounds) / secs,
        "p50_ms": med("p50_ms"),
        "p99_ms": med("p99_ms"),
        "p99_ms_worst_round": max(r["p99_ms"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "connections": rounds[0]["connections"],
        "duration_s": round(secs, 2),
        "rss_peak_kib": max((r["rss_peak_kib"] for r in rounds if r.get("rss_peak_kib")), default=None),
        "threads_peak": max((r.get("threads_peak") or 0 for r in rounds), default=0) or None,
        "rounds": [{k: r[k] for k in ("rps", "p50_ms", "p99_ms", "errors")} for r in rounds],
    }
    details = [r.get("error_detail") for r in rounds if r.get("error_detail")]
    if details:
        res["error_detail"] = details
    log(f"{row}: {res['rps']:.0f}/s p50 {res['p50_ms']:.2f} ms p99 {res['p99_ms']:.2f} ms "
        f"errors {res['errors']}" + (f" rss {mib(res['rss_peak_kib'])} MiB" if res["rss_peak_kib"] else "")
        + "  (rounds: " + ", ".join(f"{r['rps']:.0f}/s" for r in rounds) + ")")
    return res


def paired(args, a, b) -> tuple[dict, dict]:
    """Measure a reference and a row in alternating rounds (A B, B A, A B, ...),
    so a change in the machine's background load hits both alike."""
    a.warmup()
    b.warmup()
    secs = max(1, round(args.duration / args.rounds))
    ra, rb = [], []
    for i in range(args.rounds):
        for side, out in ((a, ra), (b, rb)) if i % 2 == 0 else ((b, rb), (a, ra)):
            out.append(side.measure(secs))
    return combine(a.row, ra), combine(b.row, rb)


class Pg:
    def __init__(self, args, db: str):
        self.args = args
        self.db = db
        self.base = ["-h", args.pg_host, "-p", str(args.pg_port), "-U", args.pg_user]

    def psql(self, sql: str, db: str | None = None) -> str:
        r = subprocess.run(
            ["psql", *self.base, "-d", db or self.db, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql],
            capture_output=True, text=True, timeout=600,
        )
        if r.returncode != 0:
            raise RuntimeError(f"psql failed ({sql[:80]}): {r.stderr.strip()}")
        return r.stdout.strip()

    def url(self) -> str:
        return f"postgres://{self.args.pg_user}@{self.args.pg_host}:{self.args.pg_port}/{self.db}"

    def pgbench(self, row: str, extra: list[str], duration: int, keep_log: bool = True) -> dict:
        prefix = TMP / f"pgbench-{row}"
        for f in glob.glob(f"{prefix}.*"):
            os.unlink(f)
        threads = min(self.args.threads, self.args.concurrency)
        cmd = [
            "pgbench", *self.base, "-n", "-M", "prepared", "-c", str(self.args.concurrency),
            "-j", str(threads), "-T", str(duration),
            *(["-l", f"--log-prefix={prefix}"] if keep_log else []), *extra, self.db,
        ]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
        if r.returncode != 0:
            raise RuntimeError(f"pgbench failed: {r.stdout}\n{r.stderr}")
        tps = failed = processed = None
        for line in r.stdout.splitlines():
            if line.startswith("tps ="):
                tps = float(line.split()[2])
            elif line.startswith("number of failed transactions:"):
                failed = int(line.split(":")[1].split()[0])
            elif line.startswith("number of transactions actually processed:"):
                processed = int(line.split(":")[1].split("/")[0].strip())
        lat, bad = [], 0
        for f in glob.glob(f"{prefix}.*"):
            with open(f) as fh:
                for line in fh:
                    parts = line.split()
                    if len(parts) >= 3:
                        if parts[2].isdigit():
                            lat.append(int(parts[2]))
                        else:
                            bad += 1
            os.unlink(f)
        lat.sort()
        pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] / 1000 if lat else None
        res = {
            "requests": processed,
            "rps": tps,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "errors": (failed or 0) + (0 if failed is not None else bad),
            "connections": self.args.concurrency,
            "duration_s": duration,
            "rss_peak_kib": None,
        }
        return res


# --- bulk rows for list-pg ---------------------------------------------------

_B32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789abcdefghjkmnpqrstvwxyz")


def ulid(ms: int) -> str:
    """A canonical (lowercase) ULID for a millisecond timestamp."""
    value = (ms << 80) | random.getrandbits(80)
    # 160 bits in base32 are 32 digits; the top 30 bits are zero, so the
    # last 26 digits are the ULID.
    return base64.b32encode(value.to_bytes(20, "big")).translate(_B32)[6:].decode()


def bulk_insert(pg: Pg, org_id: str, n: int, base_ms: int) -> None:
    """COPY n integrations into an organization, one a millisecond from
    base_ms, so their ids come in creation order as the API's would."""
    cols = "id, org_id, name, type_slug, environment, status, is_managed, config, version, created_at, updated_at"
    t = time.monotonic()
    proc = subprocess.Popen(
        ["psql", *pg.base, "-d", pg.db, "-v", "ON_ERROR_STOP=1", "-q", "-c",
         f"COPY integrations ({cols}) FROM STDIN"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    buf = []
    for i in range(n):
        ms = base_ms + i
        slug, config = BULK_SHAPES[i % len(BULK_SHAPES)]
        at = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        buf.append(f"int_{ulid(ms)}\t{org_id}\tbulk {i}\t{slug}\tproduction\tactive\tf\t{config}\t1\t{at}\t{at}\n")
        if len(buf) >= 20000:
            proc.stdin.write("".join(buf).encode())
            buf.clear()
    proc.stdin.write("".join(buf).encode())
    proc.stdin.close()
    err = proc.stderr.read().decode()
    if proc.wait() != 0:
        raise RuntimeError(f"COPY failed: {err}")
    log(f"loaded {n:,} integrations by COPY in {time.monotonic() - t:.1f} s")


# --- fan-out ---------------------------------------------------------------------


async def _test_call(port: int, path: str, key: str) -> tuple[float, float, bool, str]:
    body = b"{}"
    req = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    start = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(req)
        await writer.drain()
        data = await reader.read()
        writer.close()
    except OSError as e:
        return start, time.monotonic(), False, f"socket: {e}"
    end = time.monotonic()
    head, _, payload = data.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1].decode() if head.count(b" ") >= 2 else "?"
    ok = status == "200" and b'"status":"success"' in payload.replace(b" ", b"")
    return start, end, ok, status if not ok else ""


async def _fanout(port: int, paths: list[str], key: str, n: int):
    t = time.monotonic()
    results = await asyncio.gather(*(_test_call(port, paths[i % len(paths)], key) for i in range(n)))
    return t, results


async def _fanout_with_probe(args, port, test_paths, get_paths, key, n):
    probe_s = args.probe_duration
    pf = TMP / "paths-fanout-probe.txt"
    pf.write_text("\n".join(get_paths) + "\n")
    env = dict(os.environ, BENCH_METHOD="GET", BENCH_PATHS_FILE=str(pf), BENCH_AUTH=key)
    env.pop("BENCH_BODY", None)
    wrk = await asyncio.create_subprocess_exec(
        "wrk", "-t", "1", "-c", str(args.probe_connections), "-d", f"{probe_s}s", "--timeout", "10s",
        "-s", str(LUA), f"http://127.0.0.1:{port}{get_paths[0]}",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(0.5)
    started, results = await _fanout(port, test_paths, key, n)
    out, _ = await wrk.communicate()
    line = next(l for l in out.decode().splitlines() if l.startswith("BENCH_RESULT "))
    return started, results, json.loads(line[len("BENCH_RESULT "):])


def create_webhooks(server: Server, key: str, n: int, url: str, label: str,
                    extra: dict | None = None) -> list[str]:
    def one(i):
        st, body = request(server.port, "POST", "/api/integrations", key, {
            "name": f"bench {label} {i}", "type": "webhook", "config": {"url": url, **(extra or {})},
        })
        if st != 201:
            raise RuntimeError(f"creating a {label} webhook: {st} {body}")
        return f"/api/integrations/{body['id']}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def fanout_row(args, server: Server, key: str, mock_port: int, get_paths: list[str]) -> dict:
    # One integration per call, as a scheduled re-test of many would be (and
    # no row-lock queue on a shared row when the results are recorded).
    paths = [p + "/test" for p in create_webhooks(
        server, key, args.fanout, f"http://127.0.0.1:{mock_port}/slow", "fanout")]
    st, body = request(server.port, "POST", paths[0], key, {}, timeout=10)
    if st != 200 or body.get("status") != "success":
        raise RuntimeError(f"a /test against the mock did not succeed: {st} {body}")
    def idle_probe():
        return run_wrk(args, server.port, get_paths, key=key, connections=args.probe_connections,
                       threads=1, duration=args.probe_duration, label="fanout-idle")
    time.sleep(1)
    idle_before = idle_probe()
    watch = RssWatch(server.pid)
    started, results, probe = asyncio.run(
        _fanout_with_probe(args, server.port, paths, get_paths, key, args.fanout)
    )
    rss = watch.peak_kib()
    time.sleep(2)
    idle_after = idle_probe()
    idle = {"p99_ms": (idle_before["p99_ms"] + idle_after["p99_ms"]) / 2,
            "rps": (idle_before["rps"] + idle_after["rps"]) / 2,
            "errors": idle_before["errors"] + idle_after["errors"]}
    wall = max(r[1] for r in results) - started
    lat = sorted((r[1] - r[0]) * 1000 for r in results)
    failures = [r[3] for r in results if not r[2]]
    probe_errors = sum(probe[k] for k in ("err_connect", "err_read", "err_write", "err_timeout", "err_status"))
    _, stats = request(mock_port, "GET", "/stats")
    res = {
        "requests": len(results),
        "rps": len(results) / wall,
        "p50_ms": lat[len(lat) // 2],
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "errors": len(failures) + probe_errors + idle["errors"],
        "error_detail": {s: failures.count(s) for s in set(failures)} if failures else {},
        "wall_s": round(wall, 3),
        "mock_in_flight_peak": stats.get("slowInFlightPeak"),
        "get_idle_p99_ms": idle["p99_ms"],
        "get_idle_p99_ms_before_after": [idle_before["p99_ms"], idle_after["p99_ms"]],
        "threads_peak": watch.threads,
        "get_idle_rps": idle["rps"],
        "get_during_p99_ms": probe["p99_us"] / 1000,
        "get_during_rps": probe["requests"] / (probe["duration_us"] / 1e6),
        "get_idle_errors": idle["errors"],
        "get_during_errors": probe_errors,
        "connections": args.fanout,
        "rss_peak_kib": rss,
    }
    log(f"test-fanout: {len(results)} in {wall:.2f} s, failures {len(failures)}, mock peak in flight "
        f"{res['mock_in_flight_peak']}, GET p99 idle {idle['p99_ms']:.2f} ms during "
        f"{res['get_during_p99_ms']:.2f} ms, rss {mib(rss)} MiB")
    return res


def deliver_row(args, server: Server, key: str, mock_port: int) -> dict:
    paths = [p + "/send" for p in create_webhooks(
        server, key, args.deliver_integrations, f"http://127.0.0.1:{mock_port}/sink", "deliver")]
    st, body = request(server.port, "POST", paths[0], key, json.loads(SEND_BODY.replace("{n}", "probe")))
    if st in (404, 405):
        log("deliver: POST /api/integrations/{id}/send is absent (delivery not built)")
        return {"na": "n/a (delivery not built)", "probe_status": st}
    if st not in (200, 201, 202):
        log(f"deliver: the send probe answered {st}: {body}")
        return {"na": f"n/a (send answered {st})", "probe_status": st, "probe_body": body}
    # Let the probe arrive, then measure from a known sink count.
    time.sleep(1)
    _, before = request(mock_port, "GET", "/stats")
    start = time.time()
    watch = RssWatch(server.pid)
    res = run_wrk(args, server.port, paths, key=key, method="POST", body=SEND_BODY, label="deliver")
    accepted = res["requests"] - res["errors"]
    want = before["sinkUnique"] + accepted
    deadline, last_seen, last_change = time.monotonic() + args.deliver_drain, -1, time.monotonic()
    while time.monotonic() < deadline:
        _, stats = request(mock_port, "GET", "/stats")
        if stats["sinkUnique"] >= want:
            break
        if stats["sinkUnique"] != last_seen:
            last_seen, last_change = stats["sinkUnique"], time.monotonic()
        elif time.monotonic() - last_change > 20:
            break
        time.sleep(0.2)
    _, stats = request(mock_port, "GET", "/stats")
    delivered = stats["sinkUnique"] - before["sinkUnique"]
    span = max(1e-3, (stats["sinkLast"] or start) - start)
    res.update({
        "accepted": accepted,
        "delivered": delivered,
        "lost": max(0, accepted - delivered),
        "sink_duplicates": stats["sinkTotal"] - stats["sinkUnique"],
        "accept_rps": res["rps"],
        "rps": delivered / span,
        "deliver_span_s": round(span, 2),
        "rss_peak_kib": watch.peak_kib(),
    })
    log(f"deliver: accepted {accepted}, delivered {delivered} in {span:.1f} s = {res['rps']:.0f}/s")
    return res


# --- delivery rows -------------------------------------------------------------------
#
# Every delivery row sends a fixed number of messages (or a paced stream)
# with wrk and scripts/bench/deliver.lua, which logs each accepted delivery
# id with the time of its 202; the sink records each `webhook-id` with the
# time of its first receipt. Both clocks are this machine's wall clock.

SINK_BODY = json.dumps({
    "type": "message.sent", "timestamp": "2026-01-01T00:00:00.000Z",
    "data": {"subject": "bench", "text": "bench message {n}", "data": {"n": "{n}", "source": "make bench"}},
})


def sink(mock_port: int, what: str):
    method = "POST" if what == "/reset" else "GET"
    st, body = request(mock_port, method, what, timeout=60)
    if st != 200:
        raise RuntimeError(f"sink {what} answered {st}")
    return body


def pct(values: list[float], p: float) -> float | None:
    return values[min(len(values) - 1, int(len(values) * p))] if values else None


class DeliverWrk:
    """One wrk process running deliver.lua until its quota is answered."""

    def __init__(self, args, port: int, *, key=None, ids=(), quota: int, mode="send", rate=None,
                 connections=None, threads=None, label="deliver", body=SEND_BODY, url_path="/",
                 log=True, duration=None):
        self.label = label
        self.threads = min(threads or args.threads, connections or args.concurrency)
        self.prefix = TMP / f"deliver-{label}"
        for f in glob.glob(f"{self.prefix}-*"):
            os.unlink(f)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
        env.update({"BENCH_MODE": mode, "BENCH_QUOTA": str(quota), "BENCH_THREADS": str(self.threads),
                     "BENCH_BODY": body})
        if ids:
            idf = TMP / f"ids-{label}.txt"
            idf.write_text("\n".join(ids) + "\n")
            env["BENCH_IDS_FILE"] = str(idf)
        if key:
            env["BENCH_AUTH"] = key
        if rate:
            env["BENCH_RATE"] = f"{rate:.3f}"
        if log:
            env["BENCH_LOG"] = str(self.prefix)
        self.log = log
        # A quota run ends when its threads are through (see finish()); -d
        # only bounds a run that stalls.
        self.duration = duration or max(60, int(2 * quota / rate) + 60 if rate else 300)
        cmd = ["wrk", "-t", str(self.threads), "-c", str(connections or args.concurrency),
               "-d", f"{self.duration}s", "--timeout", "10s", "-s", str(DELIVER_LUA),
               f"http://127.0.0.1:{port}{url_path}"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait(self) -> dict:
        deadline = time.monotonic() + self.duration + 30
        while self.log and time.monotonic() < deadline and self.proc.poll() is None:
            if all(Path(f"{self.prefix}-{t}.done").exists() for t in range(self.threads)):
                self.proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.02)
        try:
            out, err = self.proc.communicate(timeout=max(5, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        line = next((l for l in out.splitlines() if l.startswith("BENCH_RESULT ")), None)
        if line is None:
            raise RuntimeError(f"wrk ({self.label}) gave no result: {out[-500:]}\n{err[-500:]}")
        d = json.loads(line[len("BENCH_RESULT "):])
        accepted, first, problems = {}, [], {}
        for t in range(self.threads if self.log else 0):
            with open(f"{self.prefix}-{t}") as fh:
                for l in fh:
                    a, _, b = l.rstrip("\n").partition(" ")
                    if a == "first":
                        first.append(float(b))
                    elif a == "status":
                        code = b.split(" ", 1)[0]
                        problems[code] = problems.get(code, 0) + 1
                    else:
                        accepted[a] = float(b)
        d.update(accepted_at=accepted, first_ms=min(first) if first else None, problems=problems,
                 socket_errors=sum(d[k] for k in ("err_connect", "err_read", "err_write", "err_timeout")))
        return d


def deliver_run(args, mock_port: int, servers: list, jobs: list[dict], label: str) -> dict:
    """Run wrk jobs against the servers at once, wait until the sink has every
    accepted delivery (or nothing arrives for 20 s), and measure: deliveries/s
    from the first send to the last receipt, lost, duplicates, signatures,
    the send answers' latency (wrk) and each message's 202 → receipt."""
    sink(mock_port, "/reset")
    watches = [RssWatch(s.pid) for s in servers]
    runs = [DeliverWrk(args, label=f"{label}-{i}", **job) for i, job in enumerate(jobs)]
    results = [r.wait() for r in runs]
    accepted: dict[str, float] = {}
    for r in results:
        accepted.update(r["accepted_at"])
    want = len(accepted)
    deadline, last_seen, last_change = time.monotonic() + args.deliver_drain, -1, time.monotonic()
    while time.monotonic() < deadline:
        stats = sink(mock_port, "/stats")
        if stats["sinkUnique"] >= want:
            break
        if stats["sinkUnique"] != last_seen:
            last_seen, last_change = stats["sinkUnique"], time.monotonic()
        elif time.monotonic() - last_change > 20:
            break
        time.sleep(0.05)
    stats = sink(mock_port, "/stats")
    receipts = sink(mock_port, "/receipts")
    rss = max(w.peak_kib() for w in watches)
    threads_peak = max(w.threads for w in watches)
    first_ms = min(r["first_ms"] for r in results if r["first_ms"] is not None)
    got = [(receipts[i] * 1000, t) for i, t in accepted.items() if i in receipts]
    delivered = len(got)
    last_ms = max((g[0] for g in got), default=first_ms)
    span = max(1e-3, (last_ms - first_ms) / 1000)
    lat = sorted(g[0] - g[1] for g in got)
    problems: dict[str, int] = {}
    for r in results:
        for k, v in r["problems"].items():
            problems[k] = problems.get(k, 0) + v
    rejected = sum(r["rejected"] + r.get("items_rejected", 0) for r in results)
    socket_errors = sum(r["socket_errors"] for r in results)
    res = {
        "requests": sum(r["answered"] for r in results),
        "messages": want,
        "accepted": want,
        "delivered": delivered,
        "lost": want - delivered,
        "sink_duplicates": stats["sinkTotal"] - stats["sinkUnique"],
        # Receipts of ids no 202 named (a send whose answer was lost).
        "sink_unexpected": len(receipts) - delivered,
        "signed_ok": stats["sinkSignedOk"],
        "signed_bad": stats["sinkSignedBad"] + stats["sinkUnsigned"],
        "rps": delivered / span,
        "deliver_span_s": round(span, 3),
        "accept_span_s": round((max(accepted.values(), default=first_ms) - first_ms) / 1000, 3),
        "send_p50_ms": max(r["p50_us"] for r in results) / 1000,
        "send_p99_ms": max(r["p99_us"] for r in results) / 1000,
        "e2e_p50_ms": pct(lat, 0.50),
        "e2e_p99_ms": pct(lat, 0.99),
        "e2e_max_ms": lat[-1] if lat else None,
        # A receipt before its 202 was read: the worker was faster than the
        # answer's way back to wrk.
        "e2e_negative": sum(1 for v in lat if v < 0),
        "errors": rejected + socket_errors + stats["sinkSignedBad"] + stats["sinkUnsigned"],
        "error_detail": {**problems, **({"socket": socket_errors} if socket_errors else {})},
        "connections": sum(j.get("connections") or args.concurrency for j in jobs),
        "rss_peak_kib": rss,
        "threads_peak": threads_peak,
    }
    if "items_accepted" in results[0] and jobs[0].get("mode") == "bulk":
        res["bulk_requests"] = sum(r["accepted"] for r in results)
    log(f"{label}: {want} accepted, {delivered} delivered in {span:.2f} s = {res['rps']:.0f}/s, lost "
        f"{res['lost']}, duplicates {res['sink_duplicates']}, bad signatures {res['signed_bad']}; "
        f"send p99 {res['send_p99_ms']:.1f} ms; 202→receipt p50 {fmt(res['e2e_p50_ms'], '{:.1f}')} "
        f"p99 {fmt(res['e2e_p99_ms'], '{:.1f}')} ms; rss {mib(rss)} MiB")
    return res


def in_rounds(args, label: str, once) -> dict:
    """A delivery row run --deliver-rounds times: the median round's figures
    (a few seconds each, so one disturbed round does not decide the row),
    counts of messages, losses, duplicates and errors summed over all."""
    rounds = [once() for _ in range(max(1, args.deliver_rounds))]
    med = sorted(rounds, key=lambda r: r["rps"])[len(rounds) // 2]
    res = dict(med)
    for k in ("messages", "accepted", "delivered", "lost", "sink_duplicates", "sink_unexpected",
              "signed_ok", "signed_bad", "errors", "requests"):
        if k in med:
            res[k] = sum(r.get(k, 0) for r in rounds)
    res["rss_peak_kib"] = max((r.get("rss_peak_kib") or 0 for r in rounds), default=0) or None
    res["rounds"] = [{k: r.get(k) for k in ("rps", "deliver_span_s", "send_p99_ms", "e2e_p99_ms", "lost")}
                     for r in rounds]
    if len(rounds) > 1:
        log(f"{label}: median {res['rps']:.0f}/s (rounds: " + ", ".join(f"{r['rps']:.0f}/s" for r in rounds) + ")")
    return res


def deliver_webhooks(args, server: Server, key: str, mock_port: int, label: str) -> list[str]:
    paths = create_webhooks(server, key, args.deliver_integrations, f"http://127.0.0.1:{mock_port}/sink",
                            label, {"signingSecret": SIGNING_SECRET})
    ids = [p.rsplit("/", 1)[1] for p in paths]
    st, body = request(server.port, "POST", f"/api/integrations/{ids[0]}/send", key,
                       json.loads(SEND_BODY.replace("{n}", "probe")))
    if st != 202:
        raise RuntimeError(f"the send probe answered {st}: {body}")
    return ids


def deliver_rate_row(args, mock_port, server: Server, key: str, ids: list[str], label: str) -> dict:
    res = in_rounds(args, label, lambda: deliver_run(args, mock_port, [server], [
        {"port": server.port, "key": key, "ids": ids, "quota": args.deliver_n},
    ], label))
    res["p50_ms"], res["p99_ms"] = res["send_p50_ms"], res["send_p99_ms"]
    return res


def deliver_latency_row(args, mock_port, server: Server, key: str, ids: list[str], label: str,
                        rate_of: dict | None, accept_port: int | None = None,
                        servers: list | None = None) -> dict:
    """A steady offered rate (80 % of rate_of's deliveries/s) for
    --latency-duration seconds; p50/p99 are each message's 202 → receipt."""
    if not rate_of or rate_of.get("na") or not rate_of.get("rps"):
        return {"na": "n/a (no deliver rate to pace at)"}
    rate = args.latency_load * rate_of["rps"]
    quota = max(1, int(rate * args.latency_duration))
    # One wrk thread: pacing needs little, and it leaves the cores to the server.
    res = deliver_run(args, mock_port, servers or [server], [
        {"port": accept_port or server.port, "key": key, "ids": ids, "quota": quota, "rate": rate,
         "threads": 1},
    ], label)
    # What the paced wrk achieved (wrk's timers are whole milliseconds).
    res["offered_rps"] = res["messages"] / max(1e-3, res["accept_span_s"])
    res["target_offered_rps"] = rate
    res["p50_ms"], res["p99_ms"] = res["e2e_p50_ms"], res["e2e_p99_ms"]
    return res


def bulk_row(args, mock_port, server: Server, key: str, ids: list[str]) -> dict:
    probe = {"items": [{"integrationId": ids[0], "message": json.loads(SEND_BODY.replace("{n}", "probe"))}]}
    st, body = request(server.port, "POST", "/api/deliveries/bulk", key, probe)
    if st in (404, 405):
        log("deliver-bulk: POST /api/deliveries/bulk is absent")
        return {"na": "n/a (bulk endpoint absent)", "probe_status": st}
    if st != 200 or not isinstance(body, dict) or body.get("accepted") != 1:
        return {"na": f"n/a (bulk probe answered {st})", "probe_status": st, "probe_body": body}
    time.sleep(0.5)
    batches = -(-args.deliver_n // args.bulk_batch)
    res = in_rounds(args, "deliver-bulk", lambda: deliver_run(args, mock_port, [server], [
        {"port": server.port, "key": key, "ids": ids, "quota": batches, "mode": "bulk"},
    ], "deliver-bulk"))
    res["p50_ms"], res["p99_ms"] = res["send_p50_ms"], res["send_p99_ms"]
    res["batch"] = args.bulk_batch
    return res


def ceiling_sink_row(args, mock_port: int) -> dict:
    """wrk straight at the sink with webhook-sized, webhook-headed POSTs."""
    sink(mock_port, "/reset")
    run = DeliverWrk(args, mock_port, quota=10**9, mode="sink", label="ceiling-sink", body=SINK_BODY,
                     url_path="/sink-ceiling", log=False, duration=args.sink_duration)
    d = run.wait()
    stats = sink(mock_port, "/stats")
    sink(mock_port, "/reset")
    secs = d["duration_us"] / 1e6
    res = {
        "requests": d["accepted"], "rps": d["accepted"] / secs, "p50_ms": d["p50_us"] / 1000,
        "p99_ms": d["p99_us"] / 1000, "errors": d["rejected"] + run_socket_errors(d),
        "sink_received": stats["sinkTotal"], "duration_s": round(secs, 2), "connections": args.concurrency,
    }
    log(f"ceiling-sink: {res['rps']:.0f}/s p99 {res['p99_ms']:.2f} ms")
    return res


def run_socket_errors(d: dict) -> int:
    return sum(d[k] for k in ("err_connect", "err_read", "err_write", "err_timeout"))


def apprise_python() -> Path:
    """The venv's interpreter, with Apprise installed at the pinned version."""
    py = APPRISE_VENV / "bin" / "python"
    check = [str(py), "-c", "import apprise; print(apprise.__version__)"]
    if py.exists() and subprocess.run(check, capture_output=True, text=True).stdout.strip() == APPRISE_VERSION:
        return py
    t = time.monotonic()
    shutil.rmtree(APPRISE_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(APPRISE_VENV)], check=True, capture_output=True)
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        f"apprise=={APPRISE_VERSION}"], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"pip install apprise=={APPRISE_VERSION} failed: {r.stderr.strip()[-300:]}")
    log(f"apprise {APPRISE_VERSION} installed into {APPRISE_VENV.relative_to(ROOT)} in "
        f"{time.monotonic() - t:.1f} s")
    return py


def peer_apprise_row(args, mock_port: int) -> dict:
    py = apprise_python()
    return in_rounds(args, "peer-apprise", lambda: apprise_once(args, mock_port, py))


def apprise_once(args, mock_port: int, py: Path) -> dict:
    sink(mock_port, "/reset")
    r = subprocess.run([str(py), str(APPRISE_PEER), "--url", f"json://127.0.0.1:{mock_port}/sink-apprise",
                        "-n", str(args.deliver_n), "--threads", str(args.concurrency)],
                       capture_output=True, text=True, timeout=600)
    line = next((l for l in r.stdout.splitlines() if l.startswith("APPRISE_RESULT ")), None)
    if r.returncode != 0 or line is None:
        raise RuntimeError(f"the Apprise peer failed: {r.stderr.strip()[-300:]}")
    d = json.loads(line[len("APPRISE_RESULT "):])
    stats = sink(mock_port, "/stats")
    sink(mock_port, "/reset")
    span = max(1e-3, (stats["sinkLast"] or d["end"]) - d["start"])
    res = {
        "requests": d["sent"], "rps": stats["sinkUnique"] / span, "errors": d["failed"],
        "delivered": stats["sinkUnique"], "lost": args.deliver_n - stats["sinkUnique"],
        "deliver_span_s": round(span, 3), "apprise": d["version"], "threads": args.concurrency,
        "connections": args.concurrency,
    }
    log(f"peer-apprise: {res['delivered']} in {span:.2f} s = {res['rps']:.0f}/s (apprise {d['version']})")
    return res


# History for deliver-history: finished deliveries and one attempt each,
# written by one SQL statement per table, shaped as the service writes them
# (ids `dlv_`/`att_` + a lowercase ULID of the creation time, status
# delivered, one attempt, completed in the past).

_ALPHA = "0123456789abcdefghjkmnpqrstvwxyz"


def _ulid_sql(ms: str, g: str, salt: str) -> str:
    """SQL for a ULID: 10 characters of the time `ms`, then a fixed salt and
    6 characters of the row number `g` (unique per row)."""
    part = lambda v, shift: f"substr('{_ALPHA}', CAST((({v}) >> {shift}) & 31 AS INTEGER) + 1, 1)"
    chars = [part(ms, 5 * (9 - k)) for k in range(10)] + [f"'{salt}'"] + [part(g, 5 * (5 - k)) for k in range(6)]
    return " || ".join(chars)


def history_sql(dialect: str, n: int, org_id: str, ids: list[str], now_ms: int) -> tuple[list[str], int]:
    """The statements that write n finished deliveries (spread over ids, the
    last 30 days up to a day ago) and their attempts; and the cutoff (epoch
    ms) before which every history row was created."""
    step = 30 * 86400 * 1000 // max(n, 1)
    base = now_ms - 31 * 86400 * 1000
    salt = "".join(random.choice(_ALPHA) for _ in range(10))
    if dialect == "pg":
        ts = lambda ms: f"(to_timestamp(({ms}) / 1000.0) AT TIME ZONE 'UTC')"
        rows = f"(SELECT g, {base} + g * {step} AS ms FROM generate_series(CAST(0 AS BIGINT), {n - 1}) AS g) AS s"
        pick = "(ARRAY[" + ",".join(f"'{i}'" for i in ids) + f"])[1 + g % {len(ids)}]"
        prefix = ""
    else:
        ts = lambda ms: f"strftime('%Y-%m-%d %H:%M:%f', ({ms}) / 1000.0, 'unixepoch')"
        rows = f"(SELECT g, {base} + g * {step} AS ms FROM series) AS s"
        pick = "CASE g % {} {} END".format(len(ids), " ".join(f"WHEN {k} THEN '{i}'" for k, i in enumerate(ids)))
        prefix = f"WITH RECURSIVE series(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM series WHERE g < {n - 1}) "
    msg = ("'{\"subject\":\"bench history\",\"text\":\"bench message ' || g || '\",\"html\":null,\"to\":[],"
           "\"data\":{\"n\":\"' || g || '\",\"source\":\"make bench\"},\"event_type\":null}'")
    deliveries = (
        prefix + "INSERT INTO deliveries (id, org_id, integration_id, type_slug, message, status, attempts, "
        "max_attempts, next_attempt_at, deadline_at, provider_message_id, created_at, updated_at, completed_at) "
        f"SELECT id, '{org_id}', integration_id, 'webhook', message, 'delivered', 1, 12, done, "
        f"deadline, id, created, done, done FROM (SELECT 'dlv_' || {_ulid_sql('ms', 'g', salt)} AS id, "
        f"{pick} AS integration_id, {msg} AS message, {ts('ms')} AS created, {ts('ms + 2')} AS done, "
        f"{ts('ms + 86400000')} AS deadline FROM {rows}) AS h"
    )
    cutoff = base + n * step
    cut = ts(str(cutoff))
    attempts = (
        "INSERT INTO delivery_attempts (id, delivery_id, number, started_at, finished_at, outcome, "
        "status_class, latency_ms, provider_message_id) "
        "SELECT 'att_' || substr(id, 5), id, 1, created_at, completed_at, 'delivered', 'success', 2, id "
        f"FROM deliveries WHERE org_id = '{org_id}' AND created_at < {cut}"
    )
    return [deliveries, attempts], cutoff


def load_history_sqlite(path: Path, n: int, org_id: str, ids: list[str]) -> dict:
    import sqlite3
    t = time.monotonic()
    stmts, _ = history_sql("sqlite", n, org_id, ids, int(time.time() * 1000))
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 10000")
        con.execute("BEGIN")
        for stmt in stmts:
            con.execute(stmt)
        con.execute("COMMIT")
        counts = {
            "deliveries": con.execute("SELECT count(*) FROM deliveries").fetchone()[0],
            "attempts": con.execute("SELECT count(*) FROM delivery_attempts").fetchone()[0],
        }
    finally:
        con.close()
    counts["load_s"] = round(time.monotonic() - t, 1)
    log(f"history: {counts['deliveries']:,} deliveries, {counts['attempts']:,} attempts in SQLite "
        f"({counts['load_s']} s)")
    return counts


def load_history_pg(pg, n: int, org_id: str, ids: list[str]) -> dict:
    t = time.monotonic()
    stmts, _ = history_sql("pg", n, org_id, ids, int(time.time() * 1000))
    pg.psql("BEGIN; " + "; ".join(stmts) + "; COMMIT")
    # As autovacuum would have by the time a million rows had accumulated.
    pg.psql("VACUUM ANALYZE deliveries")
    pg.psql("VACUUM ANALYZE delivery_attempts")
    pg.psql("CHECKPOINT")
    counts = {
        "deliveries": int(pg.psql("SELECT count(*) FROM deliveries")),
        "attempts": int(pg.psql("SELECT count(*) FROM delivery_attempts")),
        "load_s": round(time.monotonic() - t, 1),
    }
    log(f"history: {counts['deliveries']:,} deliveries, {counts['attempts']:,} attempts in Postgres "
        f"({counts['load_s']} s)")
    return counts


def check_history(server: Server, key: str, ids: list[str]) -> None:
    """The history rows read back through the API like the service's own."""
    st, body = request(server.port, "GET", f"/api/integrations/{ids[1]}/deliveries?limit=100", key)
    if st != 200:
        raise RuntimeError(f"listing an integration's deliveries with history answered {st}: {body}")
    old = [d for d in body.get("data", []) if d.get("status") == "delivered"]
    if not old:
        raise RuntimeError("the history is not listed")
    st, body = request(server.port, "GET", f"/api/deliveries/{old[-1]['id']}", key)
    if st != 200:
        raise RuntimeError(f"reading a history delivery answered {st}: {body}")


def history_row(args, mock_port, server: Server, key: str, ids: list[str], label: str, counts: dict) -> dict:
    check_history(server, key, ids)
    res = deliver_rate_row(args, mock_port, server, key, ids, label)
    res["history"] = counts
    return res


def two_instances_rows(args, keys: str, pg, mock_port: int, key: str, ids: list[str],
                       rate_of: dict | None) -> tuple[dict, dict]:
    """Two servers on one database: sends split across both, both deliver;
    then A accepts with its workers off and B delivers."""
    out = []
    a = Server(args, "postgres-a", pg.url(), keys, TMP / "postgres-a")
    b = Server(args, "postgres-b", pg.url(), keys, TMP / "postgres-b")
    try:
        a.start()
        b.start()
        half = args.concurrency // 2
        combined = in_rounds(args, "deliver-2-instances", lambda: deliver_run(args, mock_port, [a, b], [
            {"port": a.port, "key": key, "ids": ids, "quota": args.deliver_n // 2, "connections": half,
             "threads": 1},
            {"port": b.port, "key": key, "ids": ids, "quota": args.deliver_n - args.deliver_n // 2,
             "connections": args.concurrency - half, "threads": 1},
        ], "deliver-2-instances"))
        combined["p50_ms"], combined["p99_ms"] = combined["send_p50_ms"], combined["send_p99_ms"]
        out.append(combined)
        a.stop()
        a = Server(args, "postgres-a-accepting", pg.url(), keys, TMP / "postgres-a",
                   log_name="server-accepting.log", extra_env={"PATCHBAY__DELIVERY__WORKERS_ENABLED": "false"})
        a.start()
        out.append(deliver_latency_row(args, mock_port, a, key, ids, "deliver-2-instances-latency", rate_of,
                                       servers=[a, b]))
    finally:
        a.stop()
        b.stop()
    return out[0], out[1]


# --- phases ------------------------------------------------------------------------


def create_through_api(server: Server, key: str, n: int) -> list[str]:
    ids = []
    for i in range(n):
        slug, config = SAMPLE_CONFIGS[i % len(SAMPLE_CONFIGS)]
        st, body = request(server.port, "POST", "/api/integrations", key,
                           {"name": f"bench {slug} {i}", "type": slug, "config": config})
        if st != 201:
            raise RuntimeError(f"creating a {slug} integration answered {st}: {body}")
        ids.append(body["id"])
    st, body = request(server.port, "GET", f"/api/integrations/{ids[0]}", key)
    if st != 200:
        raise RuntimeError(f"GET of a created integration answered {st}: {body}")
    return [f"/api/integrations/{i}" for i in ids]


def idle_rss(server: Server, key: str, paths: list[str]) -> int:
    for p in paths[:20]:
        request(server.port, "GET", p, key)
    time.sleep(2)
    return server.rss_kib()


def step(results: dict, names: list[str], fn) -> None:
    """Run one row (or a pair); a failure is recorded on those rows and the
    bench goes on with the next ones."""
    try:
        out = fn()
        if len(names) == 1:
            out = (out,)
        for name, value in zip(names, out):
            results[name] = value
    except Exception as e:  # noqa: BLE001 - reported in the table and the JSON
        msg = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        log(f"{' / '.join(names)} failed: {msg}")
        results.setdefault("_failures", []).append({"rows": names, "error": traceback.format_exc()})
        for name in names:
            results[name] = {"na": f"failed: {msg}"}


def sink_phase(args, results: dict, mock_port: int) -> None:
    step(results, ["ceiling-sink"], lambda: ceiling_sink_row(args, mock_port))
    step(results, ["peer-apprise"], lambda: peer_apprise_row(args, mock_port))


def sqlite_phase(args, keys: str, results: dict, mock_port: int) -> None:
    work = TMP / "sqlite"
    shutil.rmtree(work, ignore_errors=True)
    db = work / "bench.sqlite3"
    server = Server(args, "sqlite", f"sqlite://{db}", keys, work)
    key = server.cli("keys", "create", "--org", "bench", "--scopes", "read,write,test")
    if not args.only_delivery:
        server.start()
        try:
            paths = create_through_api(server, key, args.integrations)
            results["_sqlite_idle_rss_kib"] = idle_rss(server, key, paths)
            step(results, ["ceiling-http", "get-sqlite"], lambda: paired(
                args,
                HttpRow(args, server, "ceiling-http", ["/healthz"]),
                HttpRow(args, server, "get-sqlite", paths, key=key),
            ))
        finally:
            server.stop()
    # The delivery rows start from a fresh process, as deliver-history-sqlite
    # (and the Postgres ones) do.
    server = Server(args, "sqlite-deliver", f"sqlite://{db}", keys, work, log_name="server-deliver.log")
    server.start()
    ids: list[str] = []
    try:
        ids = deliver_webhooks(args, server, key, mock_port, "deliver-sqlite")
        time.sleep(0.5)
        step(results, ["deliver-sqlite"], lambda: deliver_rate_row(
            args, mock_port, server, key, ids, "deliver-sqlite"))
        step(results, ["deliver-latency-sqlite"], lambda: deliver_latency_row(
            args, mock_port, server, key, ids, "deliver-latency-sqlite", results.get("deliver-sqlite")))
    finally:
        server.stop()
    if args.history_n <= 0:
        return

    def history():
        import sqlite3
        con = sqlite3.connect(db)
        org_id = con.execute("SELECT id FROM organizations WHERE name = 'bench'").fetchone()[0]
        con.close()
        counts = load_history_sqlite(db, args.history_n, org_id, ids)
        again = Server(args, "sqlite-history", f"sqlite://{db}", keys, work, log_name="server-history.log")
        again.start()
        try:
            return history_row(args, mock_port, again, key, ids, "deliver-history-sqlite", counts)
        finally:
            again.stop()
    step(results, ["deliver-history-sqlite"], history)


def postgres_phase(args, keys: str, results: dict, pg: Pg, mock_port: int) -> None:
    work = TMP / "postgres"
    shutil.rmtree(work, ignore_errors=True)
    server = Server(args, "postgres", pg.url(), keys, work)
    key = server.cli("keys", "create", "--org", "bench", "--scopes", "read,write,test")
    # list-pg: two organizations of 10k and 1M integrations, measured in
    # alternating rounds.
    key_small = server.cli("keys", "create", "--org", "bench-list-small", "--scopes", "read")
    key_large = server.cli("keys", "create", "--org", "bench-list-large", "--scopes", "read")
    org_small = pg.psql("SELECT id FROM organizations WHERE name = 'bench-list-small'")
    org_large = pg.psql("SELECT id FROM organizations WHERE name = 'bench-list-large'")
    # The database ceilings' tables live in the same database.
    t = time.monotonic()
    r = subprocess.run(["pgbench", *pg.base, "-i", "-q", "-s", str(args.pgbench_scale), pg.db],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"pgbench -i failed: {r.stderr}")
    # The INSERT ceiling writes a row like an integration's into a table with
    # the same kind of indexes (serial key, unique text id, (org, id)).
    pg.psql(
        "CREATE TABLE bench_insert (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "org_id TEXT NOT NULL, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL); "
        "CREATE INDEX bench_insert_org_id ON bench_insert (org_id, id)"
    )
    insert_script = TMP / "insert.sql"
    insert_script.write_text(
        "INSERT INTO bench_insert (id, org_id, payload, created_at) VALUES "
        "('int_' || md5(random()::text || clock_timestamp()::text), 'org_bench', "
        "'{\"username\":\"bench\"}', now());\n"
    )
    log(f"pgbench tables ready in {time.monotonic() - t:.1f} s")
    server.start()
    try:
        paths = create_through_api(server, key, args.integrations)
        results["_pg_idle_rss_kib"] = idle_rss(server, key, paths)
        step(results, ["ceiling-pg", "get-pg"], lambda: paired(
            args,
            PgbenchRow(pg, "ceiling-pg", ["-S"]),
            HttpRow(args, server, "get-pg", paths, key=key),
        ))
        step(results, ["ceiling-insert", "create-pg"], lambda: paired(
            args,
            PgbenchRow(pg, "ceiling-insert", ["-f", str(insert_script)]),
            HttpRow(args, server, "create-pg", ["/api/integrations"], key=key, method="POST",
                    body=CREATE_BODY),
        ))

        base_ms = int(time.time() * 1000) - 60 * 86400 * 1000
        bulk_insert(pg, org_small, args.list_small, base_ms)
        bulk_insert(pg, org_large, args.list_large, base_ms)
        pg.psql("ANALYZE integrations")
        pg.psql("CHECKPOINT")
        results["_list_rows"] = {
            "small": int(pg.psql(f"SELECT count(*) FROM integrations WHERE org_id = '{org_small}'")),
            "large": int(pg.psql(f"SELECT count(*) FROM integrations WHERE org_id = '{org_large}'")),
            "table": int(pg.psql("SELECT count(*) FROM integrations")),
        }
        list_path = ["/api/integrations?limit=50"]
        step(results, ["list-pg-10k", "list-pg-1m"], lambda: paired(
            args,
            HttpRow(args, server, "list-pg-10k", list_path, key=key_small),
            HttpRow(args, server, "list-pg-1m", list_path, key=key_large),
        ))

        step(results, ["test-fanout"], lambda: fanout_row(args, server, key, mock_port, paths))
        step(results, ["deliver"], lambda: deliver_row(args, server, key, mock_port))
    finally:
        server.stop()


def postgres_delivery_phase(args, keys: str, results: dict, pg: Pg, mock_port: int) -> None:
    """deliver-pg and the rows built on it; the history last, as it stays."""
    work = TMP / "postgres-deliver"
    shutil.rmtree(work, ignore_errors=True)
    server = Server(args, "postgres-deliver", pg.url(), keys, work)
    key = server.cli("keys", "create", "--org", "bench-deliver", "--scopes", "read,write,test")
    org_id = pg.psql("SELECT id FROM organizations WHERE name = 'bench-deliver'")
    server.start()
    try:
        ids = deliver_webhooks(args, server, key, mock_port, "deliver-pg")
        time.sleep(0.5)
        step(results, ["deliver-pg"], lambda: deliver_rate_row(args, mock_port, server, key, ids, "deliver-pg"))
        step(results, ["deliver-latency-pg"], lambda: deliver_latency_row(
            args, mock_port, server, key, ids, "deliver-latency-pg", results.get("deliver-pg")))
        step(results, ["deliver-bulk"], lambda: bulk_row(args, mock_port, server, key, ids))
    finally:
        server.stop()
    if supports_setting(args.binary, b"workers_enabled"):
        step(results, ["deliver-2-instances", "deliver-2-instances-latency"], lambda: two_instances_rows(
            args, keys, pg, mock_port, key, ids, results.get("deliver-pg")))
    else:
        for name in ("deliver-2-instances", "deliver-2-instances-latency"):
            results[name] = {"na": "n/a (no delivery.workers_enabled setting)"}
    if args.history_n <= 0:
        return

    def history():
        counts = load_history_pg(pg, args.history_n, org_id, ids)
        again = Server(args, "postgres-history", pg.url(), keys, work, log_name="server-history.log")
        again.start()
        try:
            return history_row(args, mock_port, again, key, ids, "deliver-history-pg", counts)
        finally:
            again.stop()
    step(results, ["deliver-history-pg"], history)


# --- report ------------------------------------------------------------------------


def evaluate(res: dict, args) -> list[dict]:
    rows = []
    # A row that did not run (failed, or not built) has no figures; its
    # table cell says why.
    raw, res = res, {k: (None if isinstance(v, dict) and v.get("na") else v) for k, v in res.items()}

    def row(name, what, r, target, met, note=""):
        key = {"list-pg 10k": "list-pg-10k", "list-pg 1M": "list-pg-1m"}.get(name, name)
        why = (raw.get(key) or {}).get("na") if isinstance(raw.get(key), dict) else None
        if why:
            met, note = None, why
        elif r is None:
            met, note = None, "not run"
        rows.append({"row": name, "what": what, "target": target, "met": met, "note": note, **(r or {})})

    def ok0(r):
        return r is not None and not r.get("na") and r.get("errors", 1) == 0

    def ratio(a, b):
        return a / b if a is not None and b else None

    ch, cpg, cins = res.get("ceiling-http"), res.get("ceiling-pg"), res.get("ceiling-insert")
    row("ceiling-http", "GET /healthz, same server (SQLite)", ch, "reference", ok0(ch))
    row("ceiling-pg", "pgbench -S -M prepared", cpg, "reference", ok0(cpg))
    row("ceiling-insert", "pgbench one-row INSERT", cins, "reference", ok0(cins))

    r = res.get("get-sqlite")
    q = ratio(r and r["rps"], ch and ch["rps"])
    row("get-sqlite", "GET /api/integrations/{id}", r, "≥ 0.5 × ceiling-http",
        q is not None and q >= 0.5 and ok0(r), f"{q:.2f} × ceiling-http" if q else "")

    r = res.get("get-pg")
    q = ratio(r and r["rps"], cpg and cpg["rps"])
    row("get-pg", "GET /api/integrations/{id}", r, "≥ 0.6 × ceiling-pg",
        q is not None and q >= 0.6 and ok0(r), f"{q:.2f} × ceiling-pg" if q else "")

    small, large = res.get("list-pg-10k"), res.get("list-pg-1m")
    q = ratio(large and large["p99_ms"], small and small["p99_ms"])
    counts = raw.get("_list_rows") or {}
    row("list-pg 10k", f"GET first page of 50, {counts.get('small', 0):,} in the org", small,
        "reference for 1M", ok0(small))
    row("list-pg 1M", f"GET first page of 50, {counts.get('large', 0):,} in the org", large,
        "p99 ≤ 1.5 × p99 at 10k", q is not None and q <= 1.5 and ok0(large),
        f"p99 {q:.2f} × 10k" if q else "")

    r = res.get("create-pg")
    q = ratio(r and r["rps"], cins and cins["rps"])
    row("create-pg", "POST /api/integrations", r, "≥ 0.5 × ceiling-insert",
        q is not None and q >= 0.5 and ok0(r), f"{q:.2f} × ceiling-insert" if q else "")

    r = res.get("test-fanout")
    if r:
        q = ratio(r["get_during_p99_ms"], r["get_idle_p99_ms"])
        met = r["wall_s"] <= 3.0 and q is not None and q <= 2.0 and ok0(r)
        note = (f"all {r['requests']} in {r['wall_s']:.2f} s; GET p99 {r['get_idle_p99_ms']:.1f} → "
                f"{r['get_during_p99_ms']:.1f} ms ({q:.2f} × idle)")
    else:
        met, note = False, ""
    row("test-fanout", f"{args.fanout} concurrent /test, mock answers after 1 s", r,
        "≤ 3 s; GET p99 ≤ 2 × idle", met, note)

    r = res.get("deliver")
    q = ratio(r and r["rps"], cins and cins["rps"])
    met = q is not None and q >= 0.25 and ok0(r) and r.get("lost", 1) == 0
    row("deliver", "POST /send → webhook → local sink", r, "≥ 0.25 × ceiling-insert, 0 lost", met,
        f"{q:.2f} × ceiling-insert, lost {r.get('lost')}" if q else "")

    deliver_rows(res, args, row, ok0, ratio)

    idle = raw.get("_pg_idle_rss_kib")
    load = (res.get("get-pg") or {}).get("rss_peak_kib")
    if idle is None or load is None:
        met, note = None, "not run"
    else:
        met = idle <= 30 * 1024 and load <= 100 * 1024
        note = f"{mib(idle)} / {mib(load)} MiB (SQLite idle {mib(raw.get('_sqlite_idle_rss_kib'))} MiB)"
    rows.append({
        "row": "memory", "what": "server RSS idle / peak under get-pg", "target": "≤ 30 / ≤ 100 MiB",
        "met": met, "note": note,
        "idle_rss_kib": idle, "rss_peak_kib": load, "errors": 0,
    })
    return rows


def deliver_rows(res: dict, args, row, ok0, ratio) -> None:
    n = args.deliver_n

    def exact(r):
        """Every accepted message at the sink once, signed, no errors."""
        return ok0(r) and r.get("lost", 1) == 0 and r.get("sink_duplicates", 1) == 0

    def counts(r):
        return f"lost {r.get('lost')}, duplicates {r.get('sink_duplicates')}" if r else ""

    r = res.get("ceiling-sink")
    row("ceiling-sink", "wrk POST straight at the sink (webhook body and headers)", r, "reference", ok0(r))
    peer = res.get("peer-apprise")
    row("peer-apprise", f"Apprise {(peer or {}).get('apprise', APPRISE_VERSION)}: {args.concurrency} threads, "
        f"{n:,} json:// POSTs to the sink", peer, "reference",
        ok0(peer) and peer.get("lost", 1) == 0, f"lost {peer.get('lost')}" if peer else "")
    for db in ("sqlite", "pg"):
        r = res.get(f"deliver-{db}")
        q = ratio(r and r["rps"], peer and peer["rps"])
        row(f"deliver-{db}", f"{n:,} POST /send → signed webhook → sink", r,
            "≥ 5 × peer-apprise, 0 lost, 0 duplicates", q is not None and q >= 5 and exact(r),
            f"{q:.1f} × peer-apprise, {counts(r)}" if q else "")
    for db in ("sqlite", "pg"):
        r = res.get(f"deliver-latency-{db}")
        p99 = r and r.get("p99_ms")
        row(f"deliver-latency-{db}",
            f"{args.latency_load:.0%} of deliver-{db} for {args.latency_duration:g} s; 202 → receipt", r,
            "p99 ≤ 100 ms", p99 is not None and p99 <= 100 and exact(r),
            f"offered {r['offered_rps']:.0f}/s, p99 {p99:.1f} ms, {counts(r)}" if p99 is not None else "")
    for db in ("sqlite", "pg"):
        r, base = res.get(f"deliver-history-{db}"), res.get(f"deliver-{db}")
        q = ratio(r and r["rps"], base and base["rps"])
        rows_n = ((r or {}).get("history") or {}).get("deliveries")
        row(f"deliver-history-{db}", f"deliver-{db} with {args.history_n:,} finished deliveries kept", r,
            f"≥ 0.9 × deliver-{db}", q is not None and q >= 0.9 and exact(r),
            f"{q:.2f} × deliver-{db} ({rows_n:,} deliveries in the table), {counts(r)}" if q else "")
    r, base = res.get("deliver-bulk"), res.get("deliver-pg")
    q = ratio(r and r["rps"], base and base["rps"])
    row("deliver-bulk", f"{n:,} in POST /api/deliveries/bulk of {args.bulk_batch} (Postgres)", r,
        "≥ 2 × deliver-pg", q is not None and q >= 2 and exact(r),
        f"{q:.2f} × deliver-pg, {counts(r)}" if q else "")
    r = res.get("deliver-2-instances")
    q = ratio(r and r["rps"], base and base["rps"])
    row("deliver-2-instances", f"{n:,} sends split over two servers on one Postgres, both delivering", r,
        "≥ deliver-pg, 0 lost, 0 duplicates", q is not None and q >= 1 and exact(r),
        f"{q:.2f} × deliver-pg, {counts(r)}" if q else "")
    r = res.get("deliver-2-instances-latency")
    p99 = r and r.get("p99_ms")
    row("deliver-2-instances-latency",
        f"A (workers off) accepts {args.latency_load:.0%} of deliver-pg, B delivers; 202 → receipt", r,
        "p99 ≤ 100 ms", p99 is not None and p99 <= 100 and exact(r),
        f"offered {r['offered_rps']:.0f}/s, p99 {p99:.1f} ms, {counts(r)}" if p99 is not None else "")


def fmt(v, spec="{:.0f}"):
    return "—" if v is None else spec.format(v)


def table(rows: list[dict]) -> str:
    head = "| row | req/s | p50 ms | p99 ms | errors | server peak RSS MiB | target | result |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        if r["met"] is None:
            verdict = r["note"]
        else:
            verdict = ("met" if r["met"] else "MISSED") + (f": {r['note']}" if r["note"] else "")
        if r["row"] == "memory":
            cells = ["—", "—", "—", "0", fmt(mib(r.get("rss_peak_kib")), "{}")]
        elif r.get("rps") is None:
            cells = ["—"] * 5
        else:
            cells = [fmt(r.get("rps")), fmt(r.get("p50_ms"), "{:.2f}"), fmt(r.get("p99_ms"), "{:.2f}"),
                     fmt(r.get("errors"), "{}"), fmt(mib(r.get("rss_peak_kib")), "{}")]
        lines.append(f"| {r['row']} | " + " | ".join(cells) + f" | {r['target']} | {verdict} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "patchbay")
    ap.add_argument("--concurrency", type=int, default=16, help="connections / pgbench clients per row")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads / pgbench -j")
    ap.add_argument("--duration", type=int, default=10, help="seconds measured per row")
    ap.add_argument("--rounds", type=int, default=5,
                    help="a row and its reference alternate in this many rounds")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each row")
    ap.add_argument("--integrations", type=int, default=100, help="integrations created through the API for GETs")
    ap.add_argument("--list-small", type=int, default=10_000)
    ap.add_argument("--list-large", type=int, default=1_000_000)
    ap.add_argument("--fanout", type=int, default=1000)
    ap.add_argument("--probe-connections", type=int, default=4, help="GET connections during the fan-out")
    ap.add_argument("--probe-duration", type=int, default=4)
    ap.add_argument("--deliver-integrations", type=int, default=16)
    ap.add_argument("--deliver-drain", type=int, default=120, help="max seconds to wait for deliveries")
    ap.add_argument("--deliver-n", type=int, default=3000,
                    help="messages per delivery row (deliver-sqlite/-pg/-history/-bulk/-2-instances, peer-apprise)")
    ap.add_argument("--deliver-rounds", type=int, default=3,
                    help="rounds of --deliver-n per throughput delivery row (the median round counts)")
    ap.add_argument("--latency-duration", type=float, default=30,
                    help="seconds of steady load per deliver-latency row")
    ap.add_argument("--latency-load", type=float, default=0.8,
                    help="the latency rows' offered rate, as a fraction of the database's deliver rate")
    ap.add_argument("--history-n", type=int, default=1_000_000,
                    help="finished deliveries written before deliver-history (0: skip those rows)")
    ap.add_argument("--bulk-batch", type=int, default=100, help="items per POST /api/deliveries/bulk")
    ap.add_argument("--sink-duration", type=int, default=5, help="seconds of ceiling-sink")
    ap.add_argument("--only-delivery", action="store_true",
                    help="only the delivery rows (ceiling-sink, peer-apprise, deliver-*)")
    ap.add_argument("--pgbench-scale", type=int, default=1)
    ap.add_argument("--pg-host", default=os.environ.get("BENCH_PG_HOST", "127.0.0.1"))
    ap.add_argument("--pg-port", type=int, default=int(os.environ.get("BENCH_PG_PORT", "5432")))
    ap.add_argument("--pg-user", default=os.environ.get("BENCH_PG_USER", "postgres"))
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()

    for tool in ("wrk", "pgbench", "psql"):
        if not shutil.which(tool):
            print(f"bench: `{tool}` not found (scripts/bench/run.sh installs wrk)", file=sys.stderr)
            return 2
    if not args.binary.exists():
        print(f"bench: {args.binary} missing: run `cargo build --release -p patchbay`", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    TMP.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)

    keys = subprocess.run([str(args.binary), "keys", "generate", "--id", "bench-1"],
                          capture_output=True, text=True, check=True).stdout.strip()
    keys = next(l for l in keys.splitlines() if l.startswith("bench-1:"))

    pg = Pg(args, f"patchbay_bench_{os.getpid()}")
    admin = Pg(args, "postgres")
    # Drop databases left by earlier runs that were killed (their pid is gone).
    for name in admin.psql("SELECT datname FROM pg_database WHERE datname LIKE 'patchbay\\_bench\\_%'").split():
        pid = name.rsplit("_", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            admin.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    mock = subprocess.Popen([sys.executable, str(MOCK), "--delay", "1.0", "--secret", SIGNING_SECRET],
                            stdout=subprocess.PIPE, text=True)
    mock_port = int(mock.stdout.readline().split()[1])
    results: dict = {}
    phases: dict[str, float] = {}

    def timed(name, fn):
        t = time.monotonic()
        step(results, [f"_{name}_phase"], fn)
        phases[name] = round(time.monotonic() - t, 1)
    try:
        timed("sink", lambda: sink_phase(args, results, mock_port))
        if not args.skip_sqlite:
            timed("sqlite", lambda: sqlite_phase(args, keys, results, mock_port))
        admin.psql(f'CREATE DATABASE "{pg.db}"')
        try:
            if not args.only_delivery:
                timed("postgres", lambda: postgres_phase(args, keys, results, pg, mock_port))
            timed("postgres_delivery", lambda: postgres_delivery_phase(args, keys, results, pg, mock_port))
        finally:
            admin.psql(f'DROP DATABASE IF EXISTS "{pg.db}" WITH (FORCE)')
    finally:
        mock.terminate()
        mock.wait()

    rows = evaluate(results, args)
    elapsed = time.monotonic() - T0
    # BENCH_COMMIT: run.sh built that commit (BENCH_REF); else the working
    # tree, marked +dirty when the service's sources differ from HEAD.
    commit = os.environ.get("BENCH_COMMIT") or subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = "" if os.environ.get("BENCH_COMMIT") else subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "crates", "bin", "migrations", "Cargo.lock"],
        capture_output=True, text=True,
    ).stdout.strip()
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "commit": commit + ("+dirty" if dirty else ""),
        "cpus": os.cpu_count(),
        "concurrency": args.concurrency,
        "threads": args.threads,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "elapsed_s": round(elapsed, 1),
        "phases_s": phases,
        "deliver_n": args.deliver_n,
        "latency_duration_s": args.latency_duration,
        "history_n": args.history_n,
        "postgres": Pg(args, "postgres").psql("SHOW server_version"),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip(),
    }
    md = table(rows)
    header = (f"make bench {meta['started']} · commit {meta['commit']} · {meta['cpus']} CPUs · "
              f"{args.concurrency} connections · {args.rounds} alternating rounds, {args.duration} s per row · "
              f"{elapsed:.0f} s total")
    print()
    print(header)
    print()
    print(md)
    if WARNINGS:
        meta["warnings"] = WARNINGS
        print("\nwarnings:\n" + "\n".join(f"- {w}" for w in WARNINGS))
    doc = {"meta": meta, "rows": rows, "raw": results}
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    for name in (f"bench-{stamp}.json", "latest.json"):
        (OUT / name).write_text(json.dumps(doc, indent=2, default=str) + "\n")
    (OUT / "latest.md").write_text(header + "\n\n" + md + "\n")
    print(f"\nwritten: target/bench/bench-{stamp}.json (and latest.json, latest.md)")
    if results.get("_failures"):
        print("some rows did not run: see the log above and `_failures` in the JSON", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
