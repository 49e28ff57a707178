# Quick start: `make run` (the main job on embedded defaults) and `make test` (the whole suite).
# Both do the set-up first (Debian packages, .venv, npm packages) and redo it when
# pyproject.toml or package-lock.json change.
.DEFAULT_GOAL := run
STAMP := .venv/.setup-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

$(STAMP): pyproject.toml setup.py gait/readers/_decimals.c gait/insole/_rowhash.c $(wildcard package-lock.json) scripts/setup.sh
	bash scripts/setup.sh
	@touch $(STAMP)

.PHONY: setup run test measure-demo bench bench-docs lint format
setup: $(STAMP)

# The shoe street (gunicorn on 127.0.0.1, SQLite in instance/, seeded street + demo shopper)
run: $(STAMP)
	.venv/bin/storefront serve --demo --host $(HOST) --port $(PORT)

# The footscan job on its own: measure the bundled sample phone scan
measure-demo: $(STAMP)
	.venv/bin/footscan measure assets/demo/phone_scan_left.ply

test: $(STAMP)
	bash scripts/test.sh $(ARGS)

# Benchmarks: each script's results go to benchmarks/results/<name>.json (machine, load, CPU and
# wall time, what it printed), then docs/benchmarks.md is generated from those files.
# A few only: make bench BENCHES="benchmarks/bench_recommend.py benchmarks/bench_encryption.py"
BENCHES ?= $(wildcard benchmarks/bench_*.py)
bench: $(STAMP)
	for b in $(BENCHES); do echo "== $$b"; .venv/bin/python benchmarks/run.py $$b || exit 1; done
	.venv/bin/python benchmarks/render.py

bench-docs: $(STAMP)
	.venv/bin/python benchmarks/render.py

lint: $(STAMP)
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: $(STAMP)
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
