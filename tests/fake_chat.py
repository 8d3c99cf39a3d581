"""A small OpenAI-compatible chat server for the tests, on 127.0.0.1.

`POST /v1/chat/completions {"model", "messages", "stream"}` answers, from the conversation, a
text the tests can predict: "Answer to: <the last message's first line> (model <model>)", and,
when the last message holds passages, "Cited: [1]". Asked to name a conversation or suggest
queries (the system message says so), it answers a name or three queries. With `"stream": true`
it sends server-sent events, a word each, unless `streaming` is False (then one JSON answer,
as some servers do). `mode`: "ok", "down" (HTTP 500), "slow" (answers after `delay` seconds),
"garbage" (not JSON), "cut" (a stream that breaks off after two words with a broken event). Every request's body is kept in `requests`, its Authorization header in
`authorizations`.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answer_to(messages, model):
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
    last = messages[-1]["content"] if messages else ""
    if system.startswith("Name the conversation"):
        return f'"Chat about {last.split()[0] if last.split() else "nothing"}"'
    if system.startswith("Suggest three"):
        return f"1. {last} guide\n2. {last} examples\n3. how to {last}"
    text = f"Answer to: {last.splitlines()[0] if last else ''} (model {model})"
    if "Passages from my documents:" in last:
        text += " Cited: [1]"
    return text


class FakeChatServer:
    def __init__(self):
        self.mode = "ok"
        self.delay = 0.0
        self.streaming = True
        self.requests = []
        self.authorizations = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                    fake.authorizations.append(self.headers.get("Authorization"))
                    mode, delay, streaming = fake.mode, fake.delay, fake.streaming
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, "application/json", b'{"error": "no such path"}')
                if mode == "down":
                    return self._send(500, "application/json", b'{"error": "model crashed"}')
                if mode == "slow":
                    time.sleep(delay)
                if mode == "garbage":
                    return self._send(200, "application/json", b"<html>not json</html>")
                text = answer_to(body.get("messages", []), body.get("model"))
                if body.get("stream") and streaming:
                    words = text.split(" ")
                    events = []
                    for at, word in enumerate(words):
                        piece = word if at == 0 else " " + word
                        chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                        events.append(f"data: {json.dumps(chunk)}\n\n")
                    if mode == "cut":
                        events = events[:2] + ["data: {\"choices\": [\n\n"]
                    else:
                        events.append("data: [DONE]\n\n")
                    return self._send(200, "text/event-stream", "".join(events).encode())
                completion = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
                self._send(200, "application/json", json.dumps(completion).encode())

            def _send(self, status, content_type, payload):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
