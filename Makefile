# make run   builds in release and serves on 127.0.0.1:8090 with ./trieve-lite.db
# make test  runs every test: Rust unit and integration tests, then the real Python client

CARGO  ?= cargo
PYTHON ?= python3
VENV   ?= .venv
BIN    := target/release/trieve-lite

.PHONY: build run test test-rust test-client clean

build:
	$(CARGO) build --release --locked

run: build
	./$(BIN)

test: test-rust test-client

test-rust:
	$(CARGO) test --locked

test-client: build $(VENV)/.installed
	cd tests/client && TRIEVE_LITE_BIN=$(CURDIR)/$(BIN) $(CURDIR)/$(VENV)/bin/python -m pytest -q

# A virtualenv with the reference client (trieve-python-client==1.0.0 from PyPI) and pytest.
$(VENV)/.installed: tests/client/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/client/requirements.txt
	touch $@

clean:
	$(CARGO) clean
	rm -rf $(VENV)
