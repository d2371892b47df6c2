#!/usr/bin/env python3
"""Local stand-in for a provider, used by `make bench` (not a test helper).

One asyncio HTTP/1.1 server on 127.0.0.1 with keep-alive:

  POST /slow   answers 200 after --delay seconds (the test-fanout row's
               provider that "answers after 1 s")
  POST /sink   answers 200 at once and records the `webhook-id` header (the
               deliver row's sink; repeats of one id are counted once)
  GET  /stats  {"slow": n, "sinkTotal": n, "sinkUnique": n, "sinkFirst": t,
               "sinkLast": t, "slowInFlightPeak": n}  (t: time.time())

Prints `READY <port>` on stdout once listening.
"""

import argparse
import asyncio
import json
import time

STATE = {
    "slow": 0,
    "slow_in_flight": 0,
    "slow_in_flight_peak": 0,
    "sink_total": 0,
    "sink_ids": set(),
    "sink_first": None,
    "sink_last": None,
}


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
            if length:
                await reader.readexactly(length)
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
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
            elif path == "/sink":
                now = time.time()
                STATE["sink_total"] += 1
                STATE["sink_ids"].add(headers.get("webhook-id", f"anon-{STATE['sink_total']}"))
                if STATE["sink_first"] is None:
                    STATE["sink_first"] = now
                STATE["sink_last"] = now
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
    args = ap.parse_args()
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
