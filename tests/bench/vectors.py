"""`make bench`, vectors section: semantic search over 100,000 and 1,000,000 vectors of 384
numbers in one dataset, and background embedding.

One run, on this machine, prints Markdown for BENCHMARKS.md:
- semantic search latency (p50, p99) in-process (tests/bench/search_bench.rs: the server's own
  search with the query's vector, and the matrix scan alone) and through HTTP (the query embedded
  by tests/fake_openai.py), against numpy's matrix-vector product over the same unit-length
  matrix plus its top ten (argpartition), the floor, in the same run;
- the server's memory while searching (its resident set before and after the first semantic
  search reads the matrix) against the matrix's own size;
- background embedding throughput (chunks created through HTTP, then embedded in batches of 32
  by the server) against the fake server's own rate for the same batches, called directly.

The vectors are random (normal, seeded); the chunks are written straight into SQLite.
"""

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fake_openai import FakeEmbeddingServer  # noqa: E402
from run import KEY, ROOT, call, context, rss_kib, start_server, stop  # noqa: E402

SEARCH_BENCH = ROOT / "target" / "release" / "examples" / "search_bench"
DIMENSIONS = 384
SIZES = [int(n) for n in os.environ.get("BENCH_VECTOR_SIZES", "100000,1000000").split(",") if n]
QUERIES = 20
REPEATS = 5
EMBED_CHUNKS = int(os.environ.get("BENCH_EMBED_CHUNKS", "3000"))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def figures(values):
    return {"p50": statistics.median(values), "p99": percentile(values, 99)}


def build(db, n, fake):
    """A database whose default dataset holds n chunks with random vectors; returns the dataset
    id and the matrix (rows of length 1, as the server keeps them)."""
    server, port, _ = start_server(db, args=("--embedding-url", fake.url))
    user_id, dataset = context(port)
    stop(server)
    rng = np.random.default_rng(5)
    rows = []
    at = "2026-01-01T00:00:00.000000Z"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        for start in range(0, n, 50_000):
            block = rng.standard_normal((min(50_000, n - start), DIMENSIONS), dtype=np.float32)
            rows.append(block)
            conn.executemany(
                "INSERT INTO chunks (pk, id, dataset_id, author_id, content, chunk_html, weight,"
                " created_at, updated_at, has_vector) VALUES (?, ?, ?, ?, ?, ?, 1.0, ?, ?, 1)",
                (
                    (start + i + 1, str(uuid.uuid4()), dataset, user_id, f"vector {start + i}",
                     f"<p>vector {start + i}</p>", at, at)
                    for i in range(len(block))
                ),
            )
            conn.executemany(
                "INSERT INTO chunk_vectors (chunk_pk, dataset_id, vector) VALUES (?, ?, ?)",
                ((start + i + 1, dataset, block[i].astype("<f4").tobytes()) for i in range(len(block))),
            )
        conn.execute("UPDATE datasets SET vector_length = ? WHERE id = ?", (DIMENSIONS, dataset))
        conn.execute("DELETE FROM chunk_counts")
        conn.execute(
            "INSERT INTO chunk_counts (dataset_id, author_id, n)"
            " SELECT dataset_id, author_id, count(*) FROM chunks GROUP BY dataset_id, author_id"
        )
    matrix = np.concatenate(rows)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return dataset, matrix


def numpy_times(matrix, queries):
    times = []
    for query in queries:
        unit = query / np.linalg.norm(query)
        for _ in range(REPEATS):
            started = time.perf_counter()
            scores = matrix @ unit
            top = np.argpartition(-scores, 10)[:10]
            top = top[np.argsort(-scores[top])]
            times.append((time.perf_counter() - started) * 1000)
            assert len(top) == 10
    return times


def in_process_times(db, dataset, queries, work):
    path = work / "queries.f32"
    np.asarray(queries, dtype="<f4").tofile(path)
    out = subprocess.run(
        [str(SEARCH_BENCH), "semantic", str(db), dataset, str(path), str(REPEATS)],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    load = json.loads(out[0])
    searches = [json.loads(line) for line in out[1:]]
    return (
        load["load_ms"],
        [t for s in searches for t in s["search_ms"]],
        [t for s in searches for t in s["scan_ms"]],
    )


def http_search(port, dataset, text):
    started = time.perf_counter()
    status, body = call(port, "POST", "/api/chunk/search", {"query": text, "search_type": "semantic"}, dataset=dataset)
    elapsed = (time.perf_counter() - started) * 1000
    assert status == 200, body
    assert len(json.loads(body)["score_chunks"]) == 10
    return elapsed


def fake_round_trip_ms(fake, texts):
    times = []
    for text in texts:
        body = json.dumps({"model": "m", "input": [text]}).encode()
        request = urllib.request.Request(f"{fake.url}/embeddings", data=body, headers={"Content-Type": "application/json"})
        started = time.perf_counter()
        urllib.request.urlopen(request).read()
        times.append((time.perf_counter() - started) * 1000)
    return times


def search_section(n, fake, work):
    db = work / f"vectors-{n}.db"
    dataset, matrix = build(db, n, fake)
    rng = np.random.default_rng(9)
    queries = rng.standard_normal((QUERIES, DIMENSIONS), dtype=np.float32)
    floor = numpy_times(matrix, queries)
    load_ms, searched, scanned = in_process_times(db, dataset, queries, work)
    matrix_mib = matrix.nbytes / 2**20
    del matrix

    server, port, _ = start_server(db, args=("--embedding-url", fake.url, "--embedding-model", "fake"))
    before = rss_kib(server.pid)
    started = time.perf_counter()
    http_search(port, dataset, "the first search reads the matrix")
    first_ms = (time.perf_counter() - started) * 1000
    after = rss_kib(server.pid)
    texts = [f"query number {i}" for i in range(QUERIES)]
    http = [http_search(port, dataset, text) for text in texts for _ in range(REPEATS)]
    peak = rss_kib(server.pid, "VmHWM")
    stop(server)
    round_trip = fake_round_trip_ms(fake, texts)
    db.unlink()
    return {
        "n": n,
        "numpy": figures(floor),
        "in_process": figures(searched),
        "scan": figures(scanned),
        "http": figures(http),
        "fake_round_trip": figures(round_trip),
        "load_ms": load_ms,
        "first_http_ms": first_ms,
        "rss_before_mib": before / 1024,
        "rss_after_mib": after / 1024,
        "rss_peak_mib": peak / 1024,
        "matrix_mib": matrix_mib,
    }


def embedding_section(fake, work):
    db = work / "embedding.db"
    server, port, _ = start_server(db, args=("--embedding-url", fake.url, "--embedding-model", "fake"))
    _, dataset = context(port)
    texts = [f"chunk {i} about {i % 97} things" for i in range(EMBED_CHUNKS)]
    # Down while the chunks arrive, so that the timing covers the embedding only.
    fake.mode = "down"
    for text in texts:
        status, body = call(port, "POST", "/api/chunk", {"chunk_html": f"<p>{text}</p>"}, dataset=dataset)
        assert status == 200, body
    fake.mode = "ok"

    def backlog():
        return json.loads(call(port, "GET", "/api/embedding")[1])["backlog"]

    # Timed from the first batch stored (the end of the back-off the outage left) to the last.
    while (waiting := backlog()) == EMBED_CHUNKS:
        time.sleep(0.01)
    started = time.perf_counter()
    while backlog() > 0:
        time.sleep(0.01)
    server_rate = waiting / (time.perf_counter() - started)
    stop(server)
    # The floor: the same batches of 32, straight to the fake server, one after another.
    started = time.perf_counter()
    for at in range(0, EMBED_CHUNKS, 32):
        body = json.dumps({"model": "fake", "input": texts[at:at + 32]}).encode()
        request = urllib.request.Request(f"{fake.url}/embeddings", data=body, headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()
    fake_rate = EMBED_CHUNKS / (time.perf_counter() - started)
    return {"server_rate": server_rate, "fake_rate": fake_rate}


def report(sections, embedding):
    print("### Semantic search (384 numbers a vector, one dataset)\n")
    print("| vectors | numpy floor p50 / p99 | in-process search p50 / p99 | scan alone p50 | HTTP p50 / p99 (query embedded by the fake server, its round trip p50) | in-process p50 ÷ numpy p50 |")
    print("|---|---|---|---|---|---|")
    for s in sections:
        ratio = s["in_process"]["p50"] / s["numpy"]["p50"]
        print(
            f"| {s['n']:,} | {s['numpy']['p50']:.1f} / {s['numpy']['p99']:.1f} ms "
            f"| {s['in_process']['p50']:.1f} / {s['in_process']['p99']:.1f} ms | {s['scan']['p50']:.1f} ms "
            f"| {s['http']['p50']:.1f} / {s['http']['p99']:.1f} ms ({s['fake_round_trip']['p50']:.1f} ms) | {ratio:.2f}x |"
        )
    print("\n| vectors | matrix | server RSS before the first search | after | peak | matrix read at first search (in-process / first HTTP search) |")
    print("|---|---|---|---|---|---|")
    for s in sections:
        print(
            f"| {s['n']:,} | {s['matrix_mib']:.0f} MiB | {s['rss_before_mib']:.0f} MiB | {s['rss_after_mib']:.0f} MiB "
            f"| {s['rss_peak_mib']:.0f} MiB | {s['load_ms'] / 1000:.1f} s / {s['first_http_ms'] / 1000:.1f} s |"
        )
    print("\n### Background embedding\n")
    print("| chunks | server: embedded per second | the fake server called directly, same batches | ratio |")
    print("|---|---|---|---|")
    print(
        f"| {EMBED_CHUNKS:,} | {embedding['server_rate']:,.0f} | {embedding['fake_rate']:,.0f} "
        f"| {embedding['server_rate'] / embedding['fake_rate']:.2f}x |"
    )


def main():
    for needed in (SEARCH_BENCH,):
        if not needed.exists():
            sys.exit(f"{needed} is missing: make bench builds it")
    work = Path(tempfile.mkdtemp(prefix="trieve-bench-vectors-"))
    fake = FakeEmbeddingServer(dimensions=DIMENSIONS)
    try:
        sections = [search_section(n, fake, work) for n in SIZES]
        embedding = embedding_section(fake, work)
        report(sections, embedding)
    finally:
        fake.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
