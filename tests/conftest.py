"""Starts the built trieve-lite binary on a free port with a temporary database."""

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import trieve_python_client as tc

ROOT = Path(__file__).resolve().parents[1]
BINARY = Path(os.environ.get("TRIEVE_LITE_BIN", ROOT / "target" / "release" / "trieve-lite"))


class Server:
    def __init__(self, tmp: Path, *args: str, env: dict | None = None):
        self.db = tmp / "client-test.db"
        self.log = tmp / "server.log"
        self.args, self.env = args, env
        self._start()

    def _start(self):
        args, env = self.args, self.env
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [str(BINARY), "--db", str(self.db), "--bind", "127.0.0.1:0", *args],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, "RUST_LOG": "warn", **(env or {})},
            )
        printed = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            printed.append(line)
            if line.startswith("Admin page:"):
                break
        text = "".join(printed)
        printed_key = re.search(r"(tr-[A-Za-z0-9]{32})", text)
        self.owner_key = (
            (env or {}).get("ADMIN_API_KEY")
            or (printed_key and printed_key.group(1))
            or self.owner_key  # a restart prints no key: the first start's still holds
        )
        self.base = re.search(r"Admin page: (http://[0-9.:]+)/", text).group(1)

    def restart(self) -> None:
        """Stop the server and start it again on the same database (on another port)."""
        self.stop()
        self._start()

    def log_text(self) -> str:
        """What the server has written to stderr (its log) so far."""
        return self.log.read_text()

    def command(self, *args: str) -> list[str]:
        """A command line of the binary on this server's database."""
        return [str(BINARY), "--db", str(self.db), *args]

    def run_cli(self, *args: str) -> str:
        return subprocess.run(self.command(*args), check=True, capture_output=True, text=True).stdout

    def client(self, key: str, dataset_id: str | None = None) -> tc.ApiClient:
        api_client = tc.ApiClient(tc.Configuration(host=self.base))
        api_client.set_default_header("Authorization", key)
        if dataset_id:
            api_client.set_default_header("TR-Dataset", dataset_id)
        return api_client

    def call(self, method, path, key, body=None, dataset=None, org=None):
        """(status, parsed JSON or None) of one API request, for what the client cannot ask."""
        headers = {"Authorization": key}
        if dataset:
            headers["TR-Dataset"] = dataset
        if org:
            headers["TR-Organization"] = org
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """The server for one test module, started with the module's `SERVER_ARGS` and
    `SERVER_ENV` if it has them."""
    assert BINARY.exists(), f"build {BINARY} first (make test does)"
    args = getattr(request.module, "SERVER_ARGS", ())
    env = getattr(request.module, "SERVER_ENV", None)
    running = Server(tmp_path_factory.mktemp("trieve"), *args, env=env)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def start_server(tmp_path_factory):
    """Starts more servers for one module, each on a database of its own; all stop after it."""
    assert BINARY.exists(), f"build {BINARY} first (make test does)"
    started = []

    def start(*args: str, env: dict | None = None) -> Server:
        started.append(Server(tmp_path_factory.mktemp("trieve"), *args, env=env))
        return started[-1]

    yield start
    for running in started:
        running.stop()
