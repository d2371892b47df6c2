#!/usr/bin/env python3
"""The peer-apprise row of `make bench`: Apprise (from PyPI, in the bench's own
venv) sending N JSON notifications to the local sink from one process.

Run by bench.py with the venv's interpreter. Each thread has its own
`apprise.Apprise()` with one `json://` URL and sends until the shared count
reaches N. Prints one line `APPRISE_RESULT {json}` (times are time.time()).
"""

import argparse
import json
import threading
import time

import apprise


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="json://127.0.0.1:PORT/sink-apprise")
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=16)
    args = ap.parse_args()

    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "failed": 0}
    ready = threading.Barrier(args.threads + 1)

    def worker() -> None:
        a = apprise.Apprise()
        if not a.add(args.url):
            raise SystemExit(f"apprise refused {args.url}")
        ready.wait()
        while True:
            with lock:
                i = state["next"]
                if i >= args.n:
                    return
                state["next"] = i + 1
            ok = a.notify(title="bench", body=f"bench message {i}")
            with lock:
                state["ok" if ok else "failed"] += 1

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    ready.wait()
    start = time.time()
    for t in threads:
        t.join()
    end = time.time()
    print("APPRISE_RESULT " + json.dumps({
        "sent": state["ok"], "failed": state["failed"], "start": start, "end": end,
        "version": apprise.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
