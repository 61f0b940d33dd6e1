# esig: the two commands a newcomer needs, and a few more.
.PHONY: demo test lint types docs bench fuzz clean

demo:  ## Install esig in .venv and sign + verify the sample document on a throwaway PKI
	scripts/setup.sh && .venv/bin/esig demo

test:  ## Install what the tests need (Debian packages, Python deps) and run everything
	scripts/test.sh

lint:
	scripts/setup.sh test && .venv/bin/ruff check src tests benchmarks tools && .venv/bin/ruff format --check src tests benchmarks tools

types:
	scripts/setup.sh test && .venv/bin/mypy src

docs:
	scripts/setup.sh docs && .venv/bin/mkdocs build --strict

bench:  ## Full benchmark run (esig vs pyHanko vs the raw crypto limit)
	scripts/setup.sh test && .venv/bin/python benchmarks/run.py

fuzz:  ## Long fuzz run (>= 100,000 cases): every input ends in a report or an EsigError
	scripts/setup.sh test && ESIG_FUZZ_PROFILE=long .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/fuzz

clean:
	rm -rf .venv site esig-demo .mypy_cache .ruff_cache .pytest_cache
