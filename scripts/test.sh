#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what the tests need, then lint, type-check,
# build the docs, run the tests (and the example notebooks), and smoke-run the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "System packages"
scripts/system-deps.sh

step "Python environment (.venv)"
scripts/setup.sh test,docs
export PATH="$PWD/.venv/bin:$PATH"

step "Lint and format (ruff)"
ruff check src tests benchmarks tools
ruff format --check src tests benchmarks tools

step "Types (mypy --strict src)"
mypy src

step "Docs (mkdocs build --strict)"
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet --site-dir "$(mktemp -d)"

step "Tests (pytest, with the example notebooks)"
# pytest exits 5 when no test ran: set -e turns that into a failure, as it should be.
python -m pytest tests examples --nbmake -p no:cacheprovider "$@"

step "Demo from a plain install (no extras), as the README's first command runs it"
plain=$(mktemp -d)
python -m venv "$plain/venv"
"$plain/venv/bin/python" -m pip install --quiet --disable-pip-version-check .
"$plain/venv/bin/esig" demo --output "$plain/out" > "$plain/demo.txt"
grep -q "TOTAL-PASSED" "$plain/demo.txt"
rm -rf "$plain"

step "Benchmarks (smoke run)"
python benchmarks/run.py --quick
python benchmarks/multi.py --signatures 3 --reps 1
python benchmarks/bigfile.py --quick
python benchmarks/startup.py --reps 3
