# Two entry points: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Some machines set PYTHONDONTWRITEBYTECODE: every process would then compile every module it imports
# (0.6 s for the bot's). Python's own bytecode cache, as on any install, in .venv and __pycache__ folders.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test sync clean

run: $(STAMP)
	$(PY) -m bot

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

sync: $(STAMP)
	$(PY) -m bot sync

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "heartbot needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	@# uv installs the same packages as pip in a quarter of the time; pip does it where uv can't be had.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile uv \
		&& $(VENV)/bin/uv pip install --python $(PY) --quiet -e '.[dev]' \
		|| $(PY) -m pip install --quiet --disable-pip-version-check --no-compile -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
