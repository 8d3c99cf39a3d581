# make run   builds in release and serves on 127.0.0.1:8090 with ./trieve-lite.db
# make test  runs every test: Rust unit and integration tests, the real Python client, and the
#            admin page in headless Chromium
# make lint  cargo fmt --check and clippy with warnings denied (what .ci/run runs first)

CARGO  ?= cargo
PYTHON ?= python3
VENV   ?= .venv
BIN    := target/release/trieve-lite

.PHONY: build run test test-rust test-python test-deps lint bench clean

build:
	$(CARGO) build --release --locked

run: build
	./$(BIN)

test: test-deps test-rust test-python

# --features bench: clippy reads the benchmark examples too, which need it.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets --features bench -- -D warnings

test-rust:
	$(CARGO) test --locked

# tests/client: every UserApi, ChunkApi and FileApi call through trieve-python-client.
# tests/openapi: schemathesis against /api-docs/openapi.json.
# tests/durability: SIGKILL and SIGTERM under load, 64 concurrent clients, replication with
# Litestream (release binary).
# tests/export: `trieve-lite export` into a second trieve-lite, interrupted and resumed.
# tests/browser: the admin page and the API reference page, driven through chromium-driver
# (Debian's chromium and chromium-driver packages, which tests/ensure-deps.sh installs).
test-python: build test-deps $(VENV)/.installed
	TRIEVE_LITE_BIN=$(CURDIR)/$(BIN) $(VENV)/bin/python -m pytest -q tests/client tests/openapi tests/browser tests/durability tests/export

# trieve-lite against an actix-web hello world on 127.0.0.1 with wrk (tests/bench/run.py), and
# search on a generated corpus of a million chunks against the same search in-process and against
# tantivy (tests/bench/search.py); prints BENCHMARKS.md's tables. The search section also builds
# the server without its index (feature bench-unindexed, in target/unindexed) as ingest's baseline.
# Then semantic search over 100,000 and 1,000,000 vectors against numpy, and background embedding
# against the test suite's fake embedding server (tests/bench/vectors.py). Last, searches per second
# at a million chunks and the export's rate (tests/bench/scale.py, for docs/scale.md).
bench: build $(VENV)/.bench-installed
	$(CARGO) build --release --locked --features bench --example hello --example search_bench
	$(CARGO) build --release --locked --features bench-unindexed --target-dir target/unindexed
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(PYTHON) tests/bench/run.py
	$(VENV)/bin/python tests/bench/search.py
	$(VENV)/bin/python tests/bench/vectors.py
	$(VENV)/bin/python tests/bench/scale.py

# Python with venv, Chromium and its driver: apt-get installs what is missing when run as root;
# otherwise one line says what to install.
test-deps:
	PYTHON=$(PYTHON) tests/ensure-deps.sh

# A virtualenv with the reference client (trieve-python-client==1.0.0 from PyPI), pytest
# and selenium.
$(VENV)/.installed: tests/requirements.txt | test-deps
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

$(VENV)/.bench-installed: tests/bench/requirements.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/bench/requirements.txt
	touch $@

clean:
	$(CARGO) clean
	rm -rf $(VENV)
