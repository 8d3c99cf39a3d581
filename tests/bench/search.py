"""`make bench`, search section: full-text search on a generated corpus of 1,000,000 chunks.

One run, on this machine, prints Markdown for BENCHMARKS.md:
- query latency (p50, p99) through HTTP, against the same search run in-process (the floor:
  tests/bench/search_bench.rs calling the server's search function), against FTS5's own way to
  the first page (count every match, rank all by bm25()), and against tantivy (the peer, through
  its Python binding, same corpus, same queries, same all-words-else-any-word rule);
- a 1,000-chunk dataset inside the 1M-chunk database against the same dataset alone;
- ingest: chunks per second created through POST /api/chunk (32 clients) by the server against
  the same server built without the index (feature bench-unindexed), and through the writer
  in-process; the index's size against the text's.

The corpus: words drawn from English word frequencies (wordfreq's top 50,000 alphabetic words),
40 to 80 words a chunk, time stamps one second apart. Queries: 1, 2 and 3 words, all common (the
100 most frequent words) or all rare (frequency ranks 10,000 to 20,000).
"""

import itertools
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import http.client
import datetime
import uuid
from pathlib import Path

import tantivy
import wordfreq

from run import BINARY, KEY, ROOT, call, context, start_server, stop, wrk

UNINDEXED = ROOT / "target" / "unindexed" / "release" / "trieve-lite"
SEARCH_BENCH = ROOT / "target" / "release" / "examples" / "search_bench"
CHUNKS = int(os.environ.get("BENCH_SEARCH_CHUNKS", "1000000"))
SMALL = 1000
QUERIES_PER_KIND = 30
REPEATS = 5
DURATION = os.environ.get("BENCH_SECONDS", "10")


class Corpus:
    def __init__(self, seed=7):
        words = [w for w in wordfreq.top_n_list("en", 60000) if w.isalpha()][:50000]
        self.words = words
        self.cumulative = list(itertools.accumulate(wordfreq.word_frequency(w, "en") for w in words))
        self.random = random.Random(seed)

    def text(self):
        return " ".join(self.random.choices(self.words, cum_weights=self.cumulative, k=self.random.randint(40, 80)))

    def queries(self):
        """{kind: [query]}: 1 to 3 common or rare words."""
        pick = random.Random(11)
        common, rare = self.words[:100], self.words[10000:20000]
        return {
            f"{n} {name} word{'s' if n > 1 else ''}": [" ".join(pick.sample(pool, n)) for _ in range(QUERIES_PER_KIND)]
            for name, pool in (("common", common), ("rare", rare))
            for n in (1, 2, 3)
        }


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def server_with_dataset(db, extra_dataset=None):
    """Start a server on a new database; returns (process, port, user id, default dataset, extra)."""
    server, port, _ = start_server(db)
    user_id, dataset = context(port)
    extra = None
    if extra_dataset:
        _, me = call(port, "GET", "/api/auth/me")
        organization = json.loads(me)["orgs"][0]["id"]
        status, body = call(port, "POST", "/api/dataset", {"dataset_name": extra_dataset, "organization_id": organization})
        assert status == 200, body
        extra = json.loads(body)["id"]
    return server, port, user_id, dataset, extra


def fill(db, rows_by_dataset, user_id):
    """Chunks written straight into SQLite, counted as the server counts them; indexed later by
    `trieve-lite reindex`, the way an import is."""
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA synchronous = OFF")

        def rows():
            for i, (dataset, text) in enumerate(rows_by_dataset):
                at = (base + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                yield (str(uuid.uuid4()), dataset, user_id, text, f"<p>{text}</p>", at, at)

        conn.executemany(
            "INSERT INTO chunks (id, dataset_id, author_id, content, chunk_html, weight, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 1.0, ?, ?)",
            rows(),
        )
        conn.execute("DELETE FROM chunk_counts")
        conn.execute(
            "INSERT INTO chunk_counts (dataset_id, author_id, n)"
            " SELECT dataset_id, author_id, count(*) FROM chunks GROUP BY dataset_id, author_id"
        )
        text_bytes = conn.execute("SELECT sum(length(CAST(content AS BLOB))) FROM chunks").fetchone()[0]
    return text_bytes


def database_of(db, texts):
    """A new database whose default dataset holds `texts`, indexed: that dataset's id."""
    server, _, user_id, dataset, _ = server_with_dataset(db)
    stop(server)
    fill(db, [(dataset, text) for text in texts], user_id)
    reindex(db)
    return dataset


def reindex(db):
    started = time.perf_counter()
    subprocess.run([str(BINARY), "--db", str(db), "reindex"], check=True, capture_output=True)
    return time.perf_counter() - started


def http_times(port, dataset, queries, repeats=REPEATS):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": KEY, "TR-Dataset": dataset, "Content-Type": "application/json"}
    times = []
    for query in queries:
        body = json.dumps({"query": query, "search_type": "fulltext"})
        for _ in range(repeats):
            started = time.perf_counter()
            conn.request("POST", "/api/chunk/search", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status == 200, response.status
    return times


def in_process_times(db, dataset, queries, work):
    path = work / "queries.json"
    path.write_text(json.dumps(queries))
    out = subprocess.run(
        [str(SEARCH_BENCH), "queries", str(db), dataset, str(path), str(REPEATS)],
        check=True, capture_output=True, text=True,
    ).stdout
    floor, naive = [], []
    for line in out.splitlines():
        found = json.loads(line)
        floor += found["floor_ms"]
        naive += found["naive_ms"]
    return floor, naive


def tantivy_index(texts, work):
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem", index_option="position")
    builder.add_integer_field("id", stored=True, fast=True)
    schema = builder.build()
    path = work / "tantivy"
    path.mkdir()
    index = tantivy.Index(schema, path=str(path))
    started = time.perf_counter()
    writer = index.writer(heap_size=1_000_000_000, num_threads=2)
    for i, text in enumerate(texts):
        writer.add_document(tantivy.Document(id=i, body=text))
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    index.reload()
    size = sum(f.stat().st_size for f in path.iterdir())
    return index, seconds, size


def tantivy_times(index, queries, repeats=REPEATS):
    """All words must match, else any word: count every match and keep the best ten, as the
    server does."""
    searcher = index.searcher()
    times = []
    for query in queries:
        words = query.split()
        every = index.parse_query(" ".join(f"+{w}" for w in words), ["body"])
        any_word = index.parse_query(" ".join(words), ["body"])
        for _ in range(repeats):
            started = time.perf_counter()
            found = searcher.search(every, limit=10, count=True)
            if found.count == 0 and len(words) > 1:
                found = searcher.search(any_word, limit=10, count=True)
            [searcher.doc(address)["id"] for _, address in found.hits]
            times.append((time.perf_counter() - started) * 1000)
    return times


def lua_string(text):
    """A Lua string literal of `text`'s UTF-8 bytes (Lua has no \\u escape; JSON's would break
    the script)."""
    plain = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
    return '"' + "".join(chr(b) if b in plain else f"\\{b}" for b in text.encode()) + '"'


def ingest_http(work, words):
    """POST /api/chunk of 60 words drawn from the corpus's frequencies, 32 clients, by the server
    and by the server built without the index; best of two rounds each."""
    lua = (
        f"words = {{{', '.join(lua_string(w) for w in words)}}}\n"
        "request = function()\n"
        "  local t = {}\n"
        "  for i = 1, 60 do t[i] = words[math.random(#words)] end\n"
        '  return wrk.format(nil, nil, nil, \'{"chunk_html": "<p>\' .. table.concat(t, " ") .. \'</p>"}\')\n'
        "end\n"
    )
    best = {}
    for _ in range(2):
        for name, binary in (("indexed", BINARY), ("unindexed", UNINDEXED)):
            db = work / f"ingest-{name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            server, port, _ = start_server(db, binary=binary)
            _, dataset = context(port)
            headers = {"Authorization": KEY, "TR-Dataset": dataset, "Content-Type": "application/json"}
            rate, errors = wrk(port, "/api/chunk", 32, method="POST", headers=headers, extra_lua=lua)
            if errors:
                status, body = call(port, "POST", "/api/chunk", {"chunk_html": "<p>a check</p>"}, dataset)
                print(f"{name}: {errors} failed writes; a write now answers {status} {body[:300]!r}", file=sys.stderr)
            stop(server)
            best[name] = max(best.get(name, 0), rate)
            best[f"{name}_errors"] = best.get(f"{name}_errors", 0) + errors
    return best


def main():
    for needed in (BINARY, UNINDEXED, SEARCH_BENCH):
        if not needed.exists():
            sys.exit(f"{needed} is missing: run `make bench`")
    work = Path(tempfile.mkdtemp(prefix="trieve-search-bench-"))
    corpus = Corpus()
    started = time.perf_counter()
    texts = [corpus.text() for _ in range(CHUNKS)]
    small_texts = [corpus.text() for _ in range(SMALL)]
    generated_s = time.perf_counter() - started
    queries = corpus.queries()
    results = {"generated_s": generated_s}

    # The big database: CHUNKS chunks in one dataset, and SMALL in another, written among them.
    big = work / "big.db"
    server, port, user_id, dataset, small_dataset = server_with_dataset(big, extra_dataset="small")
    stop(server)
    every = max(1, CHUNKS // SMALL)
    rows = []
    small_iter = iter(small_texts)
    for i, text in enumerate(texts):
        rows.append((dataset, text))
        if i % every == every - 1:
            rows.append((small_dataset, next(small_iter, text)))
    text_bytes = fill(big, rows, user_id)
    del rows
    unindexed_bytes = big.stat().st_size
    results["reindex_s"] = reindex(big)
    results["index_bytes"] = big.stat().st_size - unindexed_bytes
    results["text_bytes"] = text_bytes

    # The small dataset alone.
    alone = work / "alone.db"
    alone_dataset = database_of(alone, small_texts)

    # Queries through HTTP, in-process, FTS5's own way, and tantivy.
    server, port, _ = start_server(big)
    http_times(port, dataset, queries["1 common word"][:5], repeats=1)  # warm the cache
    results["http"] = {kind: http_times(port, dataset, qs) for kind, qs in queries.items()}
    small_queries = queries["1 common word"] + queries["2 common words"]
    results["small_inside"] = http_times(port, small_dataset, small_queries)
    stop(server)
    server, port, _ = start_server(alone)
    http_times(port, alone_dataset, small_queries[:5], repeats=1)
    results["small_alone"] = http_times(port, alone_dataset, small_queries)
    stop(server)
    results["floor"], results["naive"] = {}, {}
    for kind, qs in queries.items():
        results["floor"][kind], results["naive"][kind] = in_process_times(big, dataset, qs, work)

    index, results["tantivy_index_s"], results["tantivy_bytes"] = tantivy_index(texts, work)
    results["tantivy"] = {kind: tantivy_times(index, qs) for kind, qs in queries.items()}
    del index

    # Ingest.
    results["ingest_http"] = ingest_http(work, [corpus.random.choices(corpus.words, cum_weights=corpus.cumulative)[0] for _ in range(2000)])
    out = subprocess.run(
        [str(SEARCH_BENCH), "ingest", str(big), str(work), "50000"], check=True, capture_output=True, text=True
    ).stdout
    results["ingest_writer"] = json.loads(out)
    shutil.rmtree(work)
    report(results)


def report(r):
    print(f"Search: {CHUNKS:,} generated chunks (English word frequencies, 40 to 80 words each), "
          f"{QUERIES_PER_KIND} queries of each kind, each run {REPEATS} times; sequential requests "
          "on one keep-alive connection. Latencies in ms.\n")
    print("| queries | HTTP p50 | HTTP p99 | in-process p50 (floor) | in-process p99 | FTS5 bm25() p50 | tantivy p50 | tantivy p99 | HTTP p50 within 1.5x floor + 1 ms | HTTP p99 < 50 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind in r["http"]:
        h50, h99 = percentile(r["http"][kind], 50), percentile(r["http"][kind], 99)
        f50, f99 = percentile(r["floor"][kind], 50), percentile(r["floor"][kind], 99)
        n50 = percentile(r["naive"][kind], 50)
        t50, t99 = percentile(r["tantivy"][kind], 50), percentile(r["tantivy"][kind], 99)
        print(f"| {kind} | {h50:.2f} | {h99:.2f} | {f50:.2f} | {f99:.2f} | {n50:.1f} | {t50:.2f} | {t99:.2f} | "
              f"{'yes' if h50 <= 1.5 * f50 + 1 else 'no'} | {'yes' if h99 < 50 else 'no'} |")
    inside, alone = percentile(r["small_inside"], 50), percentile(r["small_alone"], 50)
    inside99, alone99 = percentile(r["small_inside"], 99), percentile(r["small_alone"], 99)
    print(f"\nA {SMALL:,}-chunk dataset, common 1- and 2-word queries over HTTP: inside the {CHUNKS:,}-chunk "
          f"database p50 {inside:.2f} ms, p99 {inside99:.2f} ms; alone p50 {alone:.2f} ms, p99 {alone99:.2f} ms "
          f"({inside / alone:.2f}x; target: as fast as alone).")
    ih = r["ingest_http"]
    iw = r["ingest_writer"]
    print(f"\nIngest, POST /api/chunk (60 words each), 32 clients: {ih['indexed']:,.0f} chunks/s with the index, "
          f"{ih['unindexed']:,.0f} without ({ih['indexed'] / ih['unindexed']:.2f}x; target >= 0.6x). "
          f"Through the writer in-process (no HTTP): {iw['indexed_per_s']:,.0f} against {iw['plain_per_s']:,.0f} "
          f"({iw['indexed_per_s'] / iw['plain_per_s']:.2f}x). Rebuilding the whole index (`trieve-lite reindex`): "
          f"{CHUNKS / r['reindex_s']:,.0f} chunks/s. Failed writes under load: {ih['indexed_errors']} with the "
          f"index, {ih['unindexed_errors']} without.")
    print(f"\nIndex size: {r['index_bytes'] / 1e6:,.0f} MB for {r['text_bytes'] / 1e6:,.0f} MB of text "
          f"({r['index_bytes'] / r['text_bytes']:.2f}x); tantivy's: {r['tantivy_bytes'] / 1e6:,.0f} MB "
          f"({r['tantivy_bytes'] / r['text_bytes']:.2f}x), built in {r['tantivy_index_s']:.0f} s on 2 threads.")


if __name__ == "__main__":
    main()
