#!/usr/bin/env python3
"""Local stand-in for a provider, used by `make bench` (not a test helper).

One asyncio HTTP/1.1 server on 127.0.0.1 with keep-alive:

  POST /slow   answers 200 after --delay seconds (the test-fanout row's
               provider that "answers after 1 s")
  POST /sink…  (any path starting with /sink) answers 200 at once and
               records the `webhook-id` header with the time of its first
               receipt (the delivery rows' sink; repeats of one id are
               counted once; a request without one counts as a new id).
               With --secret, a `webhook-signature` is checked against it
               (Standard Webhooks: HMAC-SHA256 of id.timestamp.body).
  GET  /stats  {"slow": n, "sinkTotal": n, "sinkUnique": n, "sinkFirst": t,
               "sinkLast": t, "sinkSignedOk": n, "sinkSignedBad": n,
               "sinkUnsigned": n, "slowInFlightPeak": n}  (t: time.time())
  GET  /receipts  {"<webhook-id>": t of first receipt, ...}
  POST /reset  forgets every receipt (between rows)

Prints `READY <port>` on stdout once listening.
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import time

STATE = {
    "slow": 0,
    "slow_in_flight": 0,
    "slow_in_flight_peak": 0,
}
KEY = {"bytes": None}


def reset_sink() -> None:
    STATE.update(
        sink_total=0, sink_ids={}, sink_first=None, sink_last=None,
        sig_ok=0, sig_bad=0, unsigned=0,
    )


reset_sink()


def signed_ok(headers: dict, body: bytes) -> bool:
    content = f"{headers.get('webhook-id', '')}.{headers.get('webhook-timestamp', '')}.".encode() + body
    want = base64.b64encode(hmac.new(KEY["bytes"], content, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(sig[3:], want)
        for sig in headers["webhook-signature"].split(" ")
        if sig.startswith("v1,")
    )


def response(status: int, body: bytes, reason: str = "OK") -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float):
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) < 2:
                return
            method, target = parts[0], parts[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length", "0") or 0)
            body = b""
            if length:
                body = await reader.readexactly(length)
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    chunks.append((await reader.readexactly(size + 2))[:-2])
                    if size == 0:
                        break
                body = b"".join(chunks)
            path = target.split("?", 1)[0]
            if path == "/slow":
                STATE["slow"] += 1
                STATE["slow_in_flight"] += 1
                STATE["slow_in_flight_peak"] = max(
                    STATE["slow_in_flight_peak"], STATE["slow_in_flight"]
                )
                try:
                    await asyncio.sleep(delay)
                finally:
                    STATE["slow_in_flight"] -= 1
                out = response(200, b'{"ok":true}')
            elif path.startswith("/sink"):
                now = time.time()
                STATE["sink_total"] += 1
                ids = STATE["sink_ids"]
                wid = headers.get("webhook-id") or f"anon-{STATE['sink_total']}"
                if wid not in ids:
                    ids[wid] = now
                if STATE["sink_first"] is None:
                    STATE["sink_first"] = now
                STATE["sink_last"] = now
                if "webhook-signature" not in headers:
                    STATE["unsigned"] += 1
                elif KEY["bytes"] is not None:
                    STATE["sig_ok" if signed_ok(headers, body) else "sig_bad"] += 1
                out = response(200, b'{"ok":true}')
            elif path == "/receipts":
                out = response(200, json.dumps(STATE["sink_ids"]).encode())
            elif path == "/reset":
                reset_sink()
                out = response(200, b'{"ok":true}')
            elif path == "/stats":
                body = json.dumps(
                    {
                        "slow": STATE["slow"],
                        "slowInFlightPeak": STATE["slow_in_flight_peak"],
                        "sinkTotal": STATE["sink_total"],
                        "sinkUnique": len(STATE["sink_ids"]),
                        "sinkFirst": STATE["sink_first"],
                        "sinkLast": STATE["sink_last"],
                        "sinkSignedOk": STATE["sig_ok"],
                        "sinkSignedBad": STATE["sig_bad"],
                        "sinkUnsigned": STATE["unsigned"],
                    }
                ).encode()
                out = response(200, body)
            else:
                out = response(404, b'{"error":"not found"}', "Not Found")
            writer.write(out)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--secret", help="whsec_… secret the sink checks signatures against")
    args = ap.parse_args()
    if args.secret:
        KEY["bytes"] = base64.b64decode(args.secret.removeprefix("whsec_"))
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args.delay), "127.0.0.1", args.port, backlog=4096
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
