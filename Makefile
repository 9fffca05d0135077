# `make check`: the lint, type and layer checks that .ci/run runs before the tests.
PY ?= python

check: lint types layers

lint:
	$(PY) -m ruff check tix

types:
	$(PY) -m mypy tix

layers:
	lint-imports

test:
	$(PY) -m pytest -q

.PHONY: check lint types layers test
