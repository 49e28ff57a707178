#!/usr/bin/env bash
# The whole test suite: lint and format check, then pytest with real PostgreSQL and Redis.
# Extra arguments go to pytest (e.g. `make test ARGS="-k fit"`).
set -uo pipefail
cd "$(dirname "$0")/.."

echo "== ruff check"
.venv/bin/ruff check . || exit 1
echo "== ruff format --check"
.venv/bin/ruff format --check . || exit 1
echo "== lint-imports (the layer contract of docs/architecture.md)"
.venv/bin/lint-imports || exit 1
echo "== mypy (zero errors in all three packages)"
.venv/bin/mypy --follow-imports=silent storefront gait footscan || exit 1
echo "== copy detector (no repeated logic over 10 lines outside tests and migrations)"
.venv/bin/pylint --disable=all --enable=duplicate-code --min-similarity-lines=11 \
  --ignore-imports=yes --ignore-signatures=yes --ignore-docstrings=yes --ignore-comments=yes \
  --ignore=migrations --score=no footscan gait storefront benchmarks scripts || exit 1

# shellcheck source=scripts/services.sh
source scripts/services.sh
trap shoestreet_services_stop EXIT
# PostgreSQL and Redis tests fail (not skip) here when their server did not start
export SHOESTREET_REQUIRE_SERVICES="${SHOESTREET_REQUIRE_SERVICES:-1}"
# the wheel, installed outside the checkout, runs the CLIs and the street (tests/storefront/test_wheel.py)
export SHOESTREET_WHEEL_SMOKE="${SHOESTREET_WHEEL_SMOKE:-1}"

echo "== pytest"
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  # pytest's "no tests collected": say so plainly rather than fail on an empty selection
  echo "pytest collected no tests for this selection" >&2
  rc=0
fi
exit "$rc"
