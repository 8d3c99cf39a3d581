"""Start, stop and kill the release binary on a database file, and talk to it over HTTP."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("TRIEVE_LITE_BIN", ROOT / "target" / "release" / "trieve-lite"))
# A fixed owner key (ADMIN_API_KEY) so that every restart on the same file uses the same key.
OWNER_KEY = "durability-test-owner-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    def __init__(self, db: Path, *args: str):
        self.db = db
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BINARY), "--db", str(db), "--bind", f"127.0.0.1:{self.port}", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ADMIN_API_KEY": OWNER_KEY, "RUST_LOG": "warn"},
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                status, _ = Client(self.port).call("GET", "/api/health")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


class Client:
    """One keep-alive connection; not shared between threads."""

    def __init__(self, port: int, dataset_id: str | None = None):
        self.port = port
        self.dataset_id = dataset_id
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body=None, raw: bool = False):
        headers = {"Authorization": OWNER_KEY}
        if self.dataset_id:
            headers["TR-Dataset"] = self.dataset_id
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        if raw:
            return response.status, data
        return response.status, (json.loads(data) if data else None)


def default_dataset(port: int) -> str:
    client = Client(port)
    _, me = client.call("GET", "/api/auth/me")
    _, datasets = client.call("GET", f"/api/dataset/organization/{me['orgs'][0]['id']}")
    return datasets[0]["dataset"]["id"]
