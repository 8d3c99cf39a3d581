"""A small OpenAI-compatible embedding server for the tests and the benchmark, on 127.0.0.1.

`POST /v1/embeddings {"model", "input": [texts]}` answers one vector per text, computed from
the text so that expected results are known: each word adds 1 to its concept's dimension
(`CONCEPTS`: "kitten" and "feline" share one), any other word to a dimension picked by its
hash. With `dimensions` other than 32 (the benchmark's 384), a text's vector is instead drawn at
random from a generator seeded by the text. `mode` makes it misbehave: "down" (HTTP 503), "nan", "short" (a vector too short),
"count" (one vector too few), "garbage" (not JSON), "slow" (answers after `delay` seconds).
"""

import hashlib
import json
import random
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIMENSIONS = 32
# A text holding this is refused (413) in every request it is part of, as a text too long for
# the model is.
TOO_LONG = "too-long-for-the-model"
CONCEPTS = {
    word: dimension
    for dimension, words in enumerate(
        [
            ("cat", "cats", "kitten", "kittens", "feline", "felines", "purr", "purrs"),
            ("dog", "dogs", "puppy", "puppies", "canine", "canines", "bark", "barks"),
            ("car", "cars", "automobile", "vehicle", "vehicles", "engine", "engines"),
            ("bread", "loaf", "loaves", "baking", "bakery", "sourdough", "dough"),
        ]
    )
    for word in words
}


def embed(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    if dimensions != DIMENSIONS:
        seeded = random.Random(hashlib.sha256(text.encode()).digest())
        return [seeded.gauss(0.0, 1.0) for _ in range(dimensions)]
    vector = [0.0] * DIMENSIONS
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in CONCEPTS:
            vector[CONCEPTS[word]] += 1.0
        else:
            digest = hashlib.sha256(word.encode()).digest()
            vector[len(CONCEPTS) + digest[0] % (DIMENSIONS - len(CONCEPTS))] += 0.5
    if not any(vector):
        vector[-1] = 1.0
    return vector


class FakeEmbeddingServer:
    def __init__(self, dimensions: int = DIMENSIONS):
        self.dimensions = dimensions
        self.mode = "ok"
        self.delay = 0.0
        self.requests = 0
        self.texts = 0
        self.authorizations: list[str | None] = []
        self.lock = threading.Lock()
        self._start()

    def _start(self, port: int = 0):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.requests += 1
                    fake.authorizations.append(self.headers.get("Authorization"))
                    mode, delay = fake.mode, fake.delay
                if self.path.rstrip("/") != "/v1/embeddings":
                    return self._answer(404, {"error": "no such path"})
                if mode == "down":
                    return self._answer(503, {"error": "loading the model"})
                if mode == "slow":
                    threading.Event().wait(delay)
                texts = body.get("input", [])
                if isinstance(texts, str):
                    texts = [texts]
                if any(TOO_LONG in text for text in texts):
                    # As Hugging Face TEI refuses an input longer than its model reads.
                    return self._answer(413, {"error": "Input validation error: too long"})
                vectors = [embed(text, fake.dimensions) for text in texts]
                if mode == "nan":
                    vectors = [[float("nan")] * DIMENSIONS for _ in vectors]
                elif mode == "short":
                    vectors[0] = vectors[0][:3]
                elif mode == "count":
                    vectors = vectors[:-1]
                elif mode == "garbage":
                    return self._answer(200, None, raw=b"<html>not json</html>")
                with fake.lock:
                    fake.texts += len(texts)
                data = [
                    {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
                ]
                # NaN is not JSON: sent as Python's json writes it, which a strict reader refuses.
                self._answer(200, {"object": "list", "data": data, "model": body.get("model")})

            def _answer(self, status, payload, raw=None):
                content = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self):
        """Stop listening: the port refuses connections until `restart`."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def restart(self):
        self._start(self.port)
