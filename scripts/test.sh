#!/usr/bin/env bash
# The whole test suite: lint and format check, then pytest with real PostgreSQL and Redis.
# Extra arguments go to pytest (e.g. `make test ARGS="-k fit"`).
set -uo pipefail
cd "$(dirname "$0")/.."

echo "== ruff check"
.venv/bin/ruff check . || exit 1
echo "== ruff format --check"
.venv/bin/ruff format --check . || exit 1

# shellcheck source=scripts/services.sh
source scripts/services.sh
trap shoestreet_services_stop EXIT

echo "== pytest"
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  # pytest's "no tests collected": say so plainly rather than fail on an empty selection
  echo "pytest collected no tests for this selection" >&2
  rc=0
fi
exit "$rc"
