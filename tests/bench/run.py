"""`make bench`: trieve-lite against an actix-web hello world, in one run, on this machine.

Starts the release binary on a temporary database, drives it with wrk on 127.0.0.1, measures
the hello-world yardstick (tests/bench/hello.rs) answering a body of the same size under the
same load, and prints every figure as a ratio against it, plus the deep-page latency, memory
and start-up figures on a database of 1,000,000 chunks. Prints Markdown for BENCHMARKS.md.
"""

import datetime
import http.client
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "release" / "trieve-lite"
HELLO = ROOT / "target" / "release" / "examples" / "hello"
KEY = "benchmark-owner-key-0123456789abcdef"
DURATION = os.environ.get("BENCH_SECONDS", "10")
BIG = int(os.environ.get("BENCH_CHUNKS", "1000000"))


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, timeout=30.0):
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.001)
    raise RuntimeError("server did not start")


def start_server(db, binary=BINARY, args=()):
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "--db", str(db), "--bind", f"127.0.0.1:{port}", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ADMIN_API_KEY": KEY, "RUST_LOG": "error"},
    )
    started = wait_healthy(port)
    # Not another process answering on a port this one failed to bind.
    assert process.poll() is None, f"{binary} exited: {process.returncode}"
    return process, port, started


def start_hello(size):
    port = free_port()
    process = subprocess.Popen([str(HELLO), f"127.0.0.1:{port}", str(size)], stdout=subprocess.DEVNULL)
    wait_healthy(port)
    return process, port


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def call(port, method, path, body=None, dataset=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": KEY, "Content-Type": "application/json"}
    if dataset:
        headers["TR-Dataset"] = dataset
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def wrk(port, path, connections, method="GET", body=None, headers=None, seconds=DURATION, extra_lua="", threads=2):
    """Requests per second and non-2xx answers; `extra_lua` may define `request` (a body per request)."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f'wrk.method = "{method}"\n')
    if body is not None:
        script.write(f"wrk.body = {json.dumps(body)}\n")
    for name, value in (headers or {}).items():
        script.write(f'wrk.headers["{name}"] = "{value}"\n')
    script.write(extra_lua)
    script.close()
    run = subprocess.run(
        ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s", "-s", script.name, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(script.name)
    # wrk reports a script it cannot load on stderr, then runs without it.
    if run.stderr.strip():
        raise RuntimeError(f"wrk: {run.stderr.strip()}")
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    return rps, errors


def rss_kib(pid, field="VmRSS"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def context(port):
    _, me = call(port, "GET", "/api/auth/me")
    me = json.loads(me)
    _, datasets = call(port, "GET", f"/api/dataset/organization/{me['orgs'][0]['id']}")
    return me["id"], json.loads(datasets)[0]["dataset"]["id"]


def fill_big_database(db, user_id, dataset_id, n):
    """n chunks by one user, written straight into SQLite, and counted as the server counts them
    (not indexed for search: this database measures paging)."""
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA synchronous = OFF")

        def rows():
            for i in range(n):
                at = (base + datetime.timedelta(microseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                yield (str(uuid.UUID(int=i + 1, version=4)), dataset_id, user_id, f"chunk {i}", f"<p>chunk {i}</p>", at, at)

        conn.executemany(
            "INSERT INTO chunks (id, dataset_id, author_id, content, chunk_html, weight, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 1.0, ?, ?)",
            rows(),
        )
        conn.execute(
            "INSERT INTO chunk_counts (dataset_id, author_id, n) VALUES (?, ?, ?)"
            " ON CONFLICT (dataset_id, author_id) DO UPDATE SET n = n + excluded.n",
            (dataset_id, user_id, n),
        )


def median_ms(port, path, dataset, count=200):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": KEY, "TR-Dataset": dataset}
    times = []
    for _ in range(count):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status == 200
    return statistics.median(times)


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk); make bench installs it")
    work = Path(tempfile.mkdtemp(prefix="trieve-bench-"))
    results = {}

    # Throughput against the yardstick.
    db = work / "bench.db"
    server, port, _ = start_server(db)
    user_id, dataset = context(port)
    for i in range(50):
        call(port, "POST", "/api/chunk", {"chunk_html": f"<p>benchmark chunk number {i} with some text</p>"}, dataset)
    results["rss_idle_kib"] = rss_kib(server.pid)
    page_path = f"/api/user/{user_id}/1"
    _, page = call(port, "GET", page_path, dataset=dataset)
    headers = {"Authorization": KEY, "TR-Dataset": dataset, "Content-Type": "application/json"}

    hello, hello_port = start_hello(len(page))
    results["hello_get"], _ = wrk(hello_port, "/", 32)
    stop(hello)
    results["page_get"], results["page_errors"] = wrk(port, page_path, 32, headers=headers)

    chunk_body = json.dumps({"chunk_html": "<p>a benchmark chunk with a few words of text</p>", "metadata": {"k": 1}})
    _, created = call(port, "POST", "/api/chunk", json.loads(chunk_body), dataset)
    hello, hello_port = start_hello(len(created))
    results["hello_post"], _ = wrk(hello_port, "/", 32, method="POST", body=chunk_body)
    stop(hello)
    results["chunk_post"], results["post_errors"] = wrk(port, "/api/chunk", 32, method="POST", body=chunk_body, headers=headers)
    results["rss_load_kib"] = rss_kib(server.pid, "VmHWM")
    stop(server)

    # A user with a million chunks: start-up and the last page.
    big = work / "big.db"
    server, port, _ = start_server(big)
    user_id, dataset = context(port)
    stop(server)
    fill_big_database(big, user_id, dataset, BIG)
    startups = []
    for _ in range(5):
        server, port, started = start_server(big)
        startups.append(started * 1000)
        stop(server)
    server, port, _ = start_server(big)
    last_page = (BIG + 9) // 10
    results["first_page_ms"] = median_ms(port, f"/api/user/{user_id}/1", dataset)
    results["last_page_ms"] = median_ms(port, f"/api/user/{user_id}/{last_page}", dataset)
    results["middle_page_ms"] = median_ms(port, f"/api/user/{user_id}/{last_page // 2}", dataset, count=50)
    results["rss_big_kib"] = rss_kib(server.pid, "VmHWM")
    stop(server)
    results["startup_ms"] = statistics.median(startups)
    shutil.rmtree(work)

    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), platform.processor())
    print(f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
          f"wrk -t2 -c32 -d{DURATION}s on 127.0.0.1; {BIG:,} chunks for the deep-page figures.\n")
    print("| figure | trieve-lite | hello world | ratio or value | target | met |")
    print("|---|---|---|---|---|---|")
    get_ratio = results["page_get"] / results["hello_get"]
    post_ratio = results["chunk_post"] / results["hello_post"]
    rows = [
        ("GET /api/user/{id}/1, page of ten, 32 connections", f"{results['page_get']:,.0f} req/s", f"{results['hello_get']:,.0f} req/s", f"{get_ratio:.2f}x", ">= 0.3x", get_ratio >= 0.3),
        ("POST /api/chunk, 32 connections", f"{results['chunk_post']:,.0f} req/s", f"{results['hello_post']:,.0f} req/s", f"{post_ratio:.2f}x", ">= 0.58x", post_ratio >= 0.58),
        (f"last page of a user with {BIG:,} chunks, median", f"{results['last_page_ms']:.2f} ms", "", f"{results['last_page_ms']:.2f} ms", "< 10 ms", results["last_page_ms"] < 10),
        (f"first page (same user), median", f"{results['first_page_ms']:.2f} ms", "", f"{results['first_page_ms']:.2f} ms", "", True),
        (f"middle page (same user), median", f"{results['middle_page_ms']:.2f} ms", "", f"{results['middle_page_ms']:.2f} ms", "", True),
        ("resident memory, idle", f"{results['rss_idle_kib'] / 1024:.1f} MB", "", "", "< 20 MB", results["rss_idle_kib"] < 20 * 1024),
        ("resident memory, peak under load", f"{results['rss_load_kib'] / 1024:.1f} MB", "", "", "< 100 MB", results["rss_load_kib"] < 100 * 1024),
        (f"start-up to first answer, {BIG:,}-chunk database, median of 5", f"{results['startup_ms']:.1f} ms", "", "", "< 100 ms", results["startup_ms"] < 100),
    ]
    for figure, ours, hello_figure, value, target, met in rows:
        print(f"| {figure} | {ours} | {hello_figure} | {value} | {target} | {'yes' if met else ('no' if target else '')} |")
    print(f"\nNon-2xx answers under load: GET {results['page_errors']}, POST {results['post_errors']}.")


if __name__ == "__main__":
    main()
