"""Crash safety, concurrency and graceful shutdown of the release binary."""

import base64
import hashlib
import os
import random
import sqlite3
import threading
import time
import uuid

from harness import Client, Process, default_dataset


class Ledger:
    """The writes the server acknowledged with a 2xx, shared by the writer threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.chunks = {}  # tracking_id -> chunk_html
        self.files = {}  # file id -> sha256 of the bytes

    def add_chunk(self, tracking_id, html):
        with self.lock:
            self.chunks[tracking_id] = html

    def add_file(self, file_id, digest):
        with self.lock:
            self.files[file_id] = digest


def writer(port, dataset_id, ledger, stop, seed):
    rng = random.Random(seed)
    client = Client(port, dataset_id)
    while not stop.is_set():
        try:
            if rng.random() < 0.7:
                tracking_id = str(uuid.uuid4())
                html = f"<p>{rng.randbytes(24).hex()}</p>"
                status, body = client.call("POST", "/api/chunk", {"chunk_html": html, "tracking_id": tracking_id})
                if 200 <= status < 300:
                    ledger.add_chunk(tracking_id, html)
            else:
                data = rng.randbytes(rng.randint(1, 48 * 1024))
                status, body = client.call(
                    "POST",
                    "/api/file",
                    {
                        "base64_file": base64.urlsafe_b64encode(data).decode(),
                        "file_name": "blob.bin",
                        "file_mime_type": "application/octet-stream",
                    },
                )
                if 200 <= status < 300:
                    ledger.add_file(body["file_metadata"]["id"], hashlib.sha256(data).hexdigest())
        except OSError:
            # The server went away (killed or stopping): what was acknowledged is in the ledger.
            return
        except Exception:  # an http.client error mid-response counts the same
            return


def run_writers(port, dataset_id, ledger, seconds, count=16, then=None):
    stop = threading.Event()
    threads = [
        threading.Thread(target=writer, args=(port, dataset_id, ledger, stop, os.urandom(8)))
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    if then:
        then()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)


def verify(port, dataset_id, ledger, db_path):
    client = Client(port, dataset_id)
    for tracking_id, html in ledger.chunks.items():
        status, chunk = client.call("GET", f"/api/chunk/tracking_id/{tracking_id}")
        assert status == 200, f"acknowledged chunk {tracking_id} lost"
        assert chunk["chunk_html"] == html
    for file_id, digest in ledger.files.items():
        status, data = client.call("GET", f"/api/file/{file_id}/download", raw=True)
        assert status == 200, f"acknowledged file {file_id} lost"
        assert hashlib.sha256(data).hexdigest() == digest, f"file {file_id} differs"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_every_acknowledged_write_survives_sigkill_three_times(tmp_path):
    db_path = tmp_path / "crash.db"
    ledger = Ledger()
    server = Process(db_path)
    dataset_id = default_dataset(server.port)
    for cycle in range(3):
        run_writers(server.port, dataset_id, ledger, seconds=1.5, then=server.kill)
        server = Process(db_path)
        verify(server.port, dataset_id, ledger, db_path)
    server.terminate()
    assert len(ledger.chunks) > 100 and len(ledger.files) > 20, (len(ledger.chunks), len(ledger.files))


def test_sigterm_finishes_in_flight_writes_checkpoints_and_exits_zero(tmp_path):
    db_path = tmp_path / "graceful.db"
    ledger = Ledger()
    server = Process(db_path)
    dataset_id = default_dataset(server.port)
    codes = []
    run_writers(server.port, dataset_id, ledger, seconds=1.0, then=lambda: codes.append(server.terminate(timeout=20)))
    assert codes == [0]
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL was not checkpointed"
    server = Process(db_path)
    verify(server.port, dataset_id, ledger, db_path)
    server.terminate()
    assert len(ledger.chunks) > 50


def test_64_concurrent_clients_get_no_5xx_and_no_locked_database(tmp_path):
    server = Process(tmp_path / "busy.db")
    dataset_id = default_dataset(server.port)
    _, me = Client(server.port).call("GET", "/api/auth/me")
    failures = []
    lock = threading.Lock()

    def client_loop(seed):
        rng = random.Random(seed)
        client = Client(server.port, dataset_id)
        for _ in range(30):
            choice = rng.random()
            if choice < 0.4:
                status, body = client.call("POST", "/api/chunk", {"chunk_html": f"<p>{rng.random()}</p>"})
            elif choice < 0.5:
                status, body = client.call("PUT", "/api/user", {"website": f"https://example.com/{rng.randint(0, 9)}"})
            elif choice < 0.8:
                status, body = client.call("GET", f"/api/user/{me['id']}/{rng.randint(1, 5)}")
            else:
                status, body = client.call("GET", f"/api/user/files/{me['id']}")
            text = str(body)
            if status >= 500 or "locked" in text or body is None:
                with lock:
                    failures.append((status, text[:200]))

    threads = [threading.Thread(target=client_loop, args=(seed,)) for seed in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    server.terminate()
    assert failures == []
