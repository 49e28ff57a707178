# Quick start: `make run` (the main job on embedded defaults) and `make test` (the whole suite).
# Both do the set-up first (Debian packages, .venv, npm packages) and redo it when
# pyproject.toml or package-lock.json change.
.DEFAULT_GOAL := run
STAMP := .venv/.setup-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

$(STAMP): pyproject.toml $(wildcard package-lock.json) scripts/setup.sh
	bash scripts/setup.sh
	@touch $(STAMP)

.PHONY: setup run test measure-demo bench lint format
setup: $(STAMP)

# The shoe street (gunicorn on 127.0.0.1, SQLite in instance/, seeded street + demo shopper)
run: $(STAMP)
	.venv/bin/storefront serve --demo --host $(HOST) --port $(PORT)

# The footscan job on its own: measure the bundled sample phone scan
measure-demo: $(STAMP)
	.venv/bin/footscan measure assets/demo/phone_scan_left.ply

test: $(STAMP)
	bash scripts/test.sh $(ARGS)

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; .venv/bin/python $$b || exit 1; done

lint: $(STAMP)
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: $(STAMP)
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
