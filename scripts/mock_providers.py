"""A local stand-in for every provider, so the SDK suites can test and send
through each integration type without reaching the internet.

The server under test is pointed here (base URLs, extra webhook hosts and
the outbound allow-list for loopback: see scripts/contract-tests.sh). Each
route answers what the real provider answers to a valid credential test or
send, in the shapes the providers' own tests use. Prints the port it
listens on, then serves until killed.
Usage: mock_providers.py
"""

import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Mirrors the fake token the suites configure (path segment of every call).
TELEGRAM = re.compile(r"^/tg/bot[0-9]+:[A-Za-z0-9_-]+/(getMe|getChat|sendMessage)$")
DISCORD = re.compile(r"^/api/webhooks/[0-9]+/[A-Za-z0-9_-]+$")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # quiet: the suites report
        pass

    def answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        content_type = "text/plain" if isinstance(body, str) else "application/json"
        if raw:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if DISCORD.match(path):
            return self.answer(200, {"id": "123", "type": 1, "name": "ops", "channel_id": "42", "guild_id": "7"})
        m = TELEGRAM.match(path)
        if m and m.group(1) == "getMe":
            return self.answer(200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "pb", "username": "pb_bot"}})
        if m and m.group(1) == "getChat":
            return self.answer(200, {"ok": True, "result": {"id": -100123, "type": "supergroup", "title": "ops"}})
        if path == "/sendgrid/v3/scopes":
            return self.answer(200, {"scopes": ["mail.send"]})
        if path == "/resend/domains":
            # A sending-only key: Resend's answer that the test accepts.
            return self.answer(401, {"statusCode": 401, "name": "restricted_api_key", "message": "This API key is restricted to only send emails"})
        if path == "/v1/models":
            models = ["openai/gpt-4o-mini", "openai/gpt-4o", "openai/gpt-4.1-mini"]
            return self.answer(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in models]})
        self.answer(404, {"error": "no such mock route"})

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self.body()
        if DISCORD.match(path):
            return self.answer(200, {"id": "discord-msg-1", "channel_id": "42"})
        if path.startswith("/services/"):
            # Slack's webhook: the credential test posts a body that is not
            # JSON and expects `invalid_payload`; a real message is JSON.
            try:
                json.loads(body)
            except ValueError:
                return self.answer(400, "invalid_payload")
            return self.answer(200, "ok")
        if path == "/slack/api/auth.test":
            return self.answer(200, {"ok": True, "team": "Acme", "user": "patchbay", "team_id": "T1", "user_id": "U1"})
        if path == "/slack/api/chat.postMessage":
            return self.answer(200, {"ok": True, "channel": "C0123456789", "ts": "1700000000.000100"})
        m = TELEGRAM.match(path)
        if m and m.group(1) == "sendMessage":
            return self.answer(200, {"ok": True, "result": {"message_id": 77, "chat": {"id": -100123}}})
        if path == "/sendgrid/v3/mail/send":
            return self.answer(202, None, {"X-Message-Id": "sg-msg-1"})
        if path == "/resend/emails":
            return self.answer(200, {"id": "resend-msg-1"})
        if path == "/hooks/ok":
            return self.answer(204)
        if path == "/rpc":
            request = json.loads(body)
            result = {"eth_chainId": "0x1", "eth_getBalance": "0x0"}.get(request.get("method"))
            return self.answer(200, {"jsonrpc": "2.0", "id": request.get("id"), "result": result})
        if path == "/v1/chat/completions":
            return self.answer(200, {
                "id": "cmpl-1",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            })
        self.answer(404, {"error": "no such mock route"})

    # Webhooks may be configured to use PUT or PATCH.
    do_PUT = do_POST
    do_PATCH = do_POST


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
