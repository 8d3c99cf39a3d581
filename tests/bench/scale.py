"""`make bench`, scale section (docs/scale.md): how many searches a second one machine answers
at 1,000,000 chunks, and how fast `trieve-lite export` moves a dataset.

- Searches per second: wrk with 1 and with 8 connections for BENCH_SECONDS each against
  POST /api/chunk/search on a generated corpus (search.py's: English word frequencies, 40 to 80
  words a chunk), every request a query of one kind in turn; the ratio is 8 connections' rate
  against one's, measured one right after the other (how much of the machine's cores concurrent
  searches use).
- Export: BENCH_EXPORT_CHUNKS chunks of the same corpus exported into a second trieve-lite,
  against the floor of the same batches of 120 (the same bodies: each chunk's id as its tracking
  id) sent by a client straight to a third one, one after another, built before the clock
  starts (the target's own ingest, without the export's reading and encoding).
"""

import json
import os
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from run import BINARY, KEY, call, context, start_server, stop, wrk
from search import Corpus, database_of, lua_string

CHUNKS = int(os.environ.get("BENCH_SCALE_CHUNKS", "1000000"))
EXPORT_CHUNKS = int(os.environ.get("BENCH_EXPORT_CHUNKS", "100000"))


def searches_per_second(port, dataset, queries, connections):
    lua = (
        f"queries = {{{', '.join(lua_string(q) for q in queries)}}}\n"
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  local q = queries[(counter % #queries) + 1]\n"
        '  return wrk.format(nil, nil, nil, \'{"query": "\' .. q .. \'", "search_type": "fulltext"}\')\n'
        "end\n"
    )
    headers = {"Authorization": KEY, "TR-Dataset": dataset, "Content-Type": "application/json"}
    return wrk(port, "/api/chunk/search", connections, method="POST", headers=headers, extra_lua=lua)


def export_rate(work, texts):
    """(export chunks/s, direct batches chunks/s)."""
    source = work / "export-source.db"
    dataset = database_of(source, texts)

    target, port, _ = start_server(work / "export-target.db")
    _, target_dataset = context(port)
    started = time.perf_counter()
    subprocess.run(
        [str(BINARY), "--db", str(source), "export", "--to", f"http://127.0.0.1:{port}", "--api-key", KEY,
         "--dataset", target_dataset, "--from-dataset", dataset],
        check=True, capture_output=True,
    )
    exported = len(texts) / (time.perf_counter() - started)
    stop(target)

    direct, port, _ = start_server(work / "direct-target.db")
    _, direct_dataset = context(port)
    # The same bodies the export sends: each chunk's id as its tracking id.
    with sqlite3.connect(source) as conn:
        rows = conn.execute("SELECT id, chunk_html FROM chunks WHERE dataset_id = ? ORDER BY pk", (dataset,)).fetchall()
    batches = [
        [{"chunk_html": html, "tracking_id": chunk_id, "upsert_by_tracking_id": True, "weight": 1.0}
         for chunk_id, html in rows[start:start + 120]]
        for start in range(0, len(rows), 120)
    ]
    started = time.perf_counter()
    for batch in batches:
        status, body = call(port, "POST", "/api/chunk", batch, direct_dataset)
        assert status == 200, body[:300]
    sent = len(texts) / (time.perf_counter() - started)
    stop(direct)
    return exported, sent


def main():
    work = Path(tempfile.mkdtemp(prefix="trieve-scale-bench-"))
    corpus = Corpus()
    texts = [corpus.text() for _ in range(CHUNKS)]
    queries = corpus.queries()

    db = work / "big.db"
    dataset = database_of(db, texts)
    server, port, _ = start_server(db)
    rates = {}
    for kind in ("1 common word", "2 common words", "1 rare word", "2 rare words"):
        one, errors_one = searches_per_second(port, dataset, queries[kind], 1)
        eight, errors_eight = searches_per_second(port, dataset, queries[kind], 8)
        rates[kind] = (one, eight, errors_one + errors_eight)
    stop(server)

    exported, direct = export_rate(work, texts[:EXPORT_CHUNKS])
    for path in work.iterdir():
        path.unlink()
    work.rmdir()

    print(f"Searches per second, full-text, {CHUNKS:,} chunks in one dataset, wrk for "
          f"{os.environ.get('BENCH_SECONDS', '10')} s each:\n")
    print("| queries | 1 connection | 8 connections | 8 ÷ 1 | non-2xx |")
    print("|---|---|---|---|---|")
    for kind, (one, eight, errors) in rates.items():
        print(f"| {kind} | {one:,.0f}/s | {eight:,.0f}/s | {eight / one:.2f}x | {errors} |")
    print(f"\nExport of {len(texts[:EXPORT_CHUNKS]):,} chunks into a second trieve-lite: {exported:,.0f} chunks/s; "
          f"the same batches of 120 sent straight to a third, one after another: {direct:,.0f} chunks/s "
          f"({exported / direct:.2f}x).")
    print(json.dumps({"searches": rates, "export": exported, "direct": direct}))


if __name__ == "__main__":
    main()
