"""`trieve-lite export` end to end: a dataset of one trieve-lite (files, chunks with and without
tracking ids, vectors) pushed into a second trieve-lite through its API, interrupted halfway
and run again: everything arrives, once, as it was."""

import base64
import hashlib
import random
import re
import signal
import sqlite3
import subprocess
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

CHUNKS = 3000


def default_dataset(server):
    status, me = server.call("GET", "/api/auth/me", server.owner_key)
    assert status == 200
    status, datasets = server.call("GET", f"/api/dataset/organization/{me['orgs'][0]['id']}", server.owner_key)
    return datasets[0]["dataset"]["id"]


def fill(server, dataset):
    """Two files (one split into chunks) and CHUNKS chunks of every kind."""
    text = "\n\n".join(f"Paragraph {i} of the handbook, on topic {i % 7}." for i in range(40))
    for name, data, mime, create in [
        ("handbook.txt", text.encode(), "text/plain", True),
        ("logo.bin", random.Random(1).randbytes(5000), "application/octet-stream", False),
    ]:
        status, _ = server.call("POST", "/api/file", server.owner_key, {
            "base64_file": base64.urlsafe_b64encode(data).decode(), "file_name": name,
            "file_mime_type": mime, "create_chunks": create, "tag_set": "docs",
            "metadata": {"source": name},
        }, dataset=dataset)
        assert status == 200
    rng = random.Random(7)
    chunks = []
    for i in range(CHUNKS):
        chunk = {"chunk_html": f"<p>Chunk {i}: {rng.randbytes(8).hex()}</p>", "weight": 1 + i % 3}
        if i % 3 == 0:
            chunk["tracking_id"] = f"doc-{i}"
        if i % 4 == 0:
            chunk["chunk_vector"] = [rng.uniform(-1, 1) for _ in range(8)]
        if i % 5 == 0:
            chunk.update(metadata={"n": i, "kind": "note"}, tag_set="a,b", link=f"https://example.com/{i}",
                         time_stamp="2024-05-06T07:08:09Z")
        chunks.append(chunk)
    for start in range(0, CHUNKS, 120):
        status, body = server.call("POST", "/api/chunk", server.owner_key, chunks[start:start + 120], dataset=dataset)
        assert status == 200, body


def stored(server, dataset):
    """The dataset's chunks by the tracking id the target gives them, and its files' contents."""
    with sqlite3.connect(f"file:{server.db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            """SELECT coalesce(c.tracking_id, c.id), c.chunk_html, c.link, c.metadata, c.tag_set,
                      c.time_stamp, c.weight, v.vector, f.file_name
               FROM chunks c LEFT JOIN chunk_vectors v ON v.chunk_pk = c.pk
               LEFT JOIN files f ON f.id = c.file_id WHERE c.dataset_id = ?""", (dataset,)).fetchall()
        files = conn.execute(
            """SELECT f.file_name, f.mime_type, f.metadata, f.tag_set, fc.bytes
               FROM files f JOIN file_contents fc ON fc.file_id = f.id WHERE f.dataset_id = ?""",
            (dataset,)).fetchall()
    chunks = {row[0]: row[1:] for row in rows}
    assert len(chunks) == len(rows), "two chunks with one tracking id"
    return chunks, Counter((name, mime, meta, tags, hashlib.sha256(data).hexdigest())
                           for name, mime, meta, tags, data in files)


@pytest.fixture(scope="module")
def servers(start_server):
    """A source server with a filled default dataset, and an empty target."""
    source, target = start_server(), start_server()
    fill(source, default_dataset(source))
    return source, target


def export(source, target, from_dataset, to_dataset, *flags, key=None, to=None):
    return source.command("export", "--to", to or target.base, "--api-key", key or target.owner_key,
                          "--dataset", to_dataset, "--from-dataset", from_dataset, *flags)


def run_export(*args, timeout=300, **kwargs):
    """One run of `export(...)` to its end, its output as text."""
    return subprocess.run(export(*args, **kwargs), capture_output=True, text=True, timeout=timeout)


def exported(stdout):
    """The number of chunks a run's summary says it sent."""
    return int(re.search(r"Exported (\d+) chunks", stdout).group(1))


def test_an_interrupted_export_resumes_and_moves_everything_once(servers):
    source, target = servers
    from_dataset, to_dataset = default_dataset(source), default_dataset(target)
    expected_chunks, expected_files = stored(source, from_dataset)
    # The target already has a file of the same name and size, but other bytes: not the one sent.
    status, _ = target.call("POST", "/api/file", target.owner_key, {
        "base64_file": base64.urlsafe_b64encode(random.Random(2).randbytes(5000)).decode(),
        "file_name": "logo.bin", "file_mime_type": "application/octet-stream", "create_chunks": False,
    }, dataset=to_dataset)
    assert status == 200
    _, decoy = stored(target, to_dataset)
    expected_files = expected_files + decoy
    # Without a tracking id a chunk is sent with its id as one: the source's own key above.
    assert len(expected_chunks) > CHUNKS

    # Killed once a third of the chunks are acknowledged.
    first = subprocess.Popen(export(source, target, from_dataset, to_dataset), stderr=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    progress = []
    for line in first.stderr:
        progress.append(line)
        if line.startswith("chunks: "):
            done, total = map(int, line.split()[1].split("/"))
            if done >= total // 3:
                first.send_signal(signal.SIGKILL)
                break
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL, "".join(progress)
    assert any(line.startswith("files: 2/2") for line in progress), progress
    partial, _ = stored(target, to_dataset)
    assert 0 < len(partial) < len(expected_chunks)
    # A chunk already sent changes before the export resumes.
    status, _ = source.call("PUT", "/api/chunk/tracking_id/update", source.owner_key,
                            {"tracking_id": "doc-0", "chunk_html": "<p>Chunk 0, changed</p>"}, dataset=from_dataset)
    assert status in (200, 204)
    assert "doc-0" in partial
    expected_chunks, _ = stored(source, from_dataset)

    resumed = run_export(source, target, from_dataset, to_dataset)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming an interrupted export" in resumed.stderr
    assert "resuming an interrupted export" in resumed.stdout
    assert "were there already" in resumed.stdout
    # It went on from where the target acknowledged (at most one batch was stored unacknowledged),
    # and sent again the chunk that changed.
    assert exported(resumed.stdout) <= len(expected_chunks) - len(partial) + 120 + 1

    chunks, files = stored(target, to_dataset)
    assert files == expected_files
    assert chunks == expected_chunks
    # Every fourth chunk was made with a vector; doc-0 lost its own when its text changed.
    assert sum(1 for row in chunks.values() if row[6] is not None) == CHUNKS // 4 - 1

    # A second whole run (the state file is gone) changes nothing and duplicates nothing.
    again = run_export(source, target, from_dataset, to_dataset)
    assert again.returncode == 0, again.stderr
    assert "resuming" not in again.stdout
    assert f"and 2 files (2 were there already)" in again.stdout
    assert stored(target, to_dataset) == (expected_chunks, expected_files)
    # The exported chunks are searchable on the target like its own.
    status, found = target.call("POST", "/api/chunk/search", target.owner_key,
                                {"query": "handbook topic", "search_type": "fulltext"}, dataset=to_dataset)
    assert status == 200 and found["score_chunks"], found


def test_without_vectors_the_target_gets_the_chunks_alone(servers):
    source, target = servers
    from_dataset = default_dataset(source)
    status, me = target.call("GET", "/api/auth/me", target.owner_key)
    status, made = target.call("POST", "/api/dataset", target.owner_key,
                               {"dataset_name": "no-vectors", "organization_id": me["orgs"][0]["id"]})
    assert status == 200, made
    run = run_export(source, target, from_dataset, made["id"], "--without-vectors")
    assert run.returncode == 0, run.stderr
    assert "(0 with their vectors)" in run.stdout
    expected, _ = stored(source, from_dataset)
    chunks, _ = stored(target, made["id"])
    assert chunks.keys() == expected.keys()
    assert all(row[6] is None for row in chunks.values())


def test_an_export_with_a_wrong_key_or_dataset_says_so(servers):
    source, target = servers
    from_dataset, to_dataset = default_dataset(source), default_dataset(target)
    wrong_key = run_export(source, target, from_dataset, to_dataset, key="tr-" + "x" * 32, timeout=60)
    assert wrong_key.returncode != 0
    assert f"dataset {to_dataset} cannot be reached" in wrong_key.stderr
    assert "tr-xxxx" not in wrong_key.stderr, "the key was shown"
    no_such = run_export(source, target, to_dataset, to_dataset, timeout=60)
    assert no_such.returncode != 0
    assert f"has no dataset {to_dataset}" in no_such.stderr


def test_a_file_larger_than_the_target_takes_is_left_out_and_its_chunks_still_go(start_server):
    source, small = start_server(), start_server("--max-upload-mb", "1")
    from_dataset, to_dataset = default_dataset(source), default_dataset(small)
    text = "\n\n".join(f"Section {i}: " + "words of the long report " * 40 for i in range(1500))
    assert len(text) > 1_300_000
    status, _ = source.call("POST", "/api/file", source.owner_key, {
        "base64_file": base64.urlsafe_b64encode(text.encode()).decode(), "file_name": "report.txt",
        "file_mime_type": "text/plain", "create_chunks": True,
    }, dataset=from_dataset)
    assert status == 200
    expected, _ = stored(source, from_dataset)
    run = run_export(source, small, from_dataset, to_dataset, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "larger than the target takes" in run.stderr
    assert "Not sent, larger than the target takes (their chunks were sent without them): report.txt." in run.stdout
    chunks, files = stored(small, to_dataset)
    assert not files
    assert chunks.keys() == expected.keys()
    assert all(row[7] is None for row in chunks.values()), "a chunk names a file the target does not have"


class Proxy:
    """A server in front of `base` that forwards every request, except: a body over `max_body`
    bytes is answered 413, and the `fail_upload`-th `POST /api/file` is answered 503 unseen by
    `base` (a target too busy for a moment)."""

    def __init__(self, base, max_body=None, fail_upload=None):
        uploads = Counter()

        class Forward(BaseHTTPRequestHandler):
            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "POST" and self.path == "/api/file":
                    uploads["n"] += 1
                if max_body is not None and len(body) > max_body:
                    return self.answer(413, b'{"message": "too large"}')
                if fail_upload is not None and self.path == "/api/file" and uploads["n"] == fail_upload:
                    return self.answer(503, b'{"message": "busy"}')
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("authorization", "tr-dataset", "content-type")}
                request = urllib.request.Request(base + self.path, data=body or None, method=self.command,
                                                 headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=120) as answer:
                        self.answer(answer.status, answer.read())
                except urllib.error.HTTPError as err:
                    self.answer(err.code, err.read())

            def answer(self, status, data):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_chunks_too_large_for_one_request_go_in_several(start_server):
    source, target, behind = start_server(), start_server(), start_server()
    from_dataset = default_dataset(source)
    # 24 chunks of 0.9 MB: 21 MB, more than a trieve-lite takes in one request (16 MiB).
    for i in range(24):
        html = "<p>" + " ".join(f"word{(i * 7 + j) % 997}" for j in range(100_000)) + "</p>"
        status, body = source.call("POST", "/api/chunk", source.owner_key,
                                   {"chunk_html": html, "tracking_id": f"big-{i}"}, dataset=from_dataset)
        assert status == 200, body
    expected, _ = stored(source, from_dataset)
    to_dataset = default_dataset(target)
    run = run_export(source, target, from_dataset, to_dataset)
    assert run.returncode == 0, run.stderr
    assert "chunks: 24/24" in run.stderr
    assert stored(target, to_dataset)[0] == expected

    # A target that takes less in one request (3 MB here) answers 413: the batches get smaller.
    to_dataset = default_dataset(behind)
    with Proxy(behind.base, max_body=3_000_000) as proxy:
        run = run_export(source, behind, from_dataset, to_dataset, to=proxy.base)
    assert run.returncode == 0, run.stderr
    assert "the target takes less in one request" in run.stderr
    assert stored(behind, to_dataset)[0] == expected


def test_two_equal_files_stay_two_when_an_upload_is_tried_again(start_server):
    source, target = start_server(), start_server()
    from_dataset, to_dataset = default_dataset(source), default_dataset(target)
    data = random.Random(3).randbytes(3000)
    for _ in range(2):
        status, _ = source.call("POST", "/api/file", source.owner_key, {
            "base64_file": base64.urlsafe_b64encode(data).decode(), "file_name": "same.bin",
            "file_mime_type": "application/octet-stream", "create_chunks": False,
        }, dataset=from_dataset)
        assert status == 200
    _, expected = stored(source, from_dataset)
    assert sum(expected.values()) == 2
    # The second upload meets a busy target once: tried again, it must not be taken for the first.
    with Proxy(target.base, fail_upload=2) as proxy:
        run = run_export(source, target, from_dataset, to_dataset, to=proxy.base, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "HTTP 503: busy; trying again" in run.stderr
    assert stored(target, to_dataset)[1] == expected
